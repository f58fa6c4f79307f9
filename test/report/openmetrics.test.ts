/**
 * `--format openmetrics`: Prometheus text exposition checked by the real `promtool check metrics`
 * (Debian package prometheus), exact histogram buckets from known latencies, and the CLI reading a
 * result from stdin and writing the report to stdout. promtool is skipped locally when missing
 * (with how to get it) and required under CI=true.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createHistogram, recordMicros, summarizeHistogram } from '../../src/metrics/histogram.js';
import { renderJson } from '../../src/result/json.js';
import { renderOpenMetrics } from '../../src/report/openmetrics.js';
import type { CaseResult, Result } from '../../src/result/types.js';
import { expectGolden } from '../fixtures/golden.js';
import { histogramResult } from '../fixtures/histograms.js';
import { makeResult } from '../fixtures/result.js';

const promtool = [process.env.PROMTOOL, '/usr/bin/promtool', '/usr/local/bin/promtool'].find(
  (p): p is string => p !== undefined && p !== '' && existsSync(p),
);
const skip =
  promtool === undefined && process.env.CI !== 'true'
    ? 'no promtool (apt-get install -y --no-install-recommends prometheus, or set PROMTOOL=/path); CI fails here instead of skipping'
    : false;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function check(text: string): { code: number | null; out: string } {
  assert.ok(promtool, 'CI=true and no promtool: .ci/run must install the Debian package prometheus');
  const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The result with its first case's latency replaced by 1, 2, … 1000 µs (one sample each). */
function knownLatencies(): Result {
  const h = createHistogram();
  for (let us = 1; us <= 1000; us++) recordMicros(h, us);
  const latency = summarizeHistogram(h);
  const base = histogramResult();
  const first = base.cases[0]!;
  const spec = { ...first.spec, id: 'tcp "quoted" \\ id' };
  const c: CaseResult = { ...first, spec, summary: { ...first.summary!, latency } };
  return { ...base, plan: { ...base.plan, cases: [spec] }, cases: [c] };
}

test('openmetrics output passes promtool check metrics', { skip }, () => {
  for (const r of [histogramResult(), makeResult(), knownLatencies()]) {
    const res = check(renderOpenMetrics(r));
    assert.equal(res.code, 0, `promtool: ${res.out}`);
  }
  // The check can fail: a counter without _total and a sample with a broken value.
  const bad = check('# HELP x_ops Ops.\n# TYPE x_ops counter\nx_ops 1\nx_broken{a="b"} one\n');
  assert.notEqual(bad.code, 0, 'promtool accepted broken input');
});

test('openmetrics matches test/golden/report.prom; buckets are exact counts from the HDR histogram', async () => {
  await expectGolden('report.prom', renderOpenMetrics(histogramResult()));
  const text = renderOpenMetrics(knownLatencies());
  const bucket = (le: string): number => {
    const m = new RegExp(
      `^commbench_latency_seconds_bucket\\{[^}]*le="${le.replace(/[.+]/g, '\\$&')}"\\} (\\S+)$`,
      'm',
    ).exec(text);
    assert.ok(m, `no bucket le=${le}`);
    return Number(m[1]);
  };
  assert.equal(bucket('0.00001'), 10);
  assert.equal(bucket('0.0001'), 100);
  assert.equal(bucket('0.00025'), 250);
  assert.equal(bucket('0.0005'), 500);
  assert.equal(bucket('0.001'), 1000);
  assert.equal(bucket('+Inf'), 1000);
  assert.match(text, /^commbench_latency_seconds_sum\{[^}]*\} 0\.5005$/m);
  assert.match(text, /^commbench_latency_quantile_seconds\{[^}]*quantile="0\.99"\} 0\.00099$/m);
  assert.match(
    text,
    /^commbench_operations_total\{scenario="rest-vs-grpc",case="tcp 64B",case_id="tcp \\"quoted\\" \\\\ id",pattern="tcp",payload_bytes="64",load="closed c=32×1"\} \d+$/m,
  );
  assert.match(text, /^commbench_cpu_seconds_total\{[^}]*side="server"\} [\d.]+$/m);
});

test('report - reads the result from stdin; --out - writes to stdout', () => {
  const bin = join(root, 'bin', 'commbench.js');
  const json = renderJson(histogramResult());
  const md = spawnSync(process.execPath, [bin, 'report', '-', '--format', 'markdown'], {
    input: json,
    encoding: 'utf8',
  });
  assert.equal(md.status, 0, md.stderr);
  assert.match(md.stdout, /^### rest-vs-grpc/);
  assert.match(md.stdout, /```mermaid/);
  const dir = mkdtempSync(join(tmpdir(), 'commbench-om-'));
  try {
    const prom = spawnSync(process.execPath, [bin, 'report', '-', '--format', 'openmetrics', '--out', '-'], {
      input: json,
      encoding: 'utf8',
      cwd: dir,
    });
    assert.equal(prom.status, 0, prom.stderr);
    assert.equal(prom.stdout, renderOpenMetrics(histogramResult()));
    assert.equal(prom.stderr, '', 'nothing written to files');
    const two = spawnSync(process.execPath, [bin, 'report', '-', '--format', 'md,html', '--out', '-'], {
      input: json,
      encoding: 'utf8',
    });
    assert.equal(two.status, 2);
    assert.match(two.stderr, /--out - writes one format[\s\S]*hint:/);
    const empty = spawnSync(process.execPath, [bin, 'report', '-'], { input: '', encoding: 'utf8' });
    assert.equal(empty.status, 2, empty.stderr);
    assert.match(empty.stderr, /no result on stdin[\s\S]*hint: pipe a result file in/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
