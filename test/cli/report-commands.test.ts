/** The built CLI's report, compare, check and merge commands on synthetic result files (no servers). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { renderJson } from '../../src/result/json.js';
import { histogramResult } from '../fixtures/histograms.js';
import { noisyResult } from '../fixtures/noisy.js';
import { assertBuilt, cli, tempDir } from './cli.js';

let dir = '';
before(() => {
  assertBuilt();
  dir = tempDir();
  writeFileSync(join(dir, 'r.json'), renderJson(histogramResult()));
  writeFileSync(join(dir, 'base.json'), renderJson(noisyResult({ seed: 1, reps: 5, noise: 0.03 })));
  writeFileSync(join(dir, 'same.json'), renderJson(noisyResult({ seed: 2, reps: 5, noise: 0.03 })));
  writeFileSync(
    join(dir, 'slow.json'),
    renderJson(noisyResult({ seed: 3, reps: 5, noise: 0.03, slower: { grpc: 1.3 } })),
  );
});

test('report writes every format beside the result and never overwrites it', async () => {
  const before = readFileSync(join(dir, 'r.json'), 'utf8');
  const r = await cli(['report', 'r.json', '--format', 'markdown,html,csv,hgrm,json'], dir).done;
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['r.md', 'r.html', 'r.csv', 'r.tcp-closed-c-32-64B.hgrm'])
    assert.ok(existsSync(join(dir, f)), `${f} missing`);
  assert.ok(!existsSync(join(dir, 'r.latency-1.svg')), 'no SVG the markdown does not link');
  assert.equal(readFileSync(join(dir, 'r.json'), 'utf8'), before);
  const md = await cli(['report', 'r.json', '--format', 'md'], dir).done;
  assert.match(md.stdout, /^### rest-vs-grpc/);
  const bad = await cli(['report', 'r.json', '--format', 'pdf'], dir).done;
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown report format "pdf"[\s\S]*hint: use one or more of table, markdown/);
});

test('compare: exit 0 on noise, 3 on a real slowdown, markdown for PR comments', async () => {
  const same = await cli(['compare', 'base.json', 'same.json'], dir).done;
  assert.equal(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /No regression in 3 matched cases/);
  const slow = await cli(['compare', 'base.json', 'slow.json', '--format', 'markdown', '--out', 'c.md'], dir)
    .done;
  assert.equal(slow.code, 3, slow.stdout + slow.stderr);
  assert.match(slow.stderr, /gated metrics? regressed/);
  assert.match(readFileSync(join(dir, 'c.md'), 'utf8'), /❌ 4 regressions/);
  const badFail = await cli(['compare', 'base.json', 'slow.json', '--fail-on', 'p99:-10%'], dir).done;
  assert.equal(badFail.code, 2);
  assert.match(badFail.stderr, /p99 gets worse when it goes up; write p99:\+10%/);
});

test('check: pass, crossed (exit 3), misspelled (exit 2)', async () => {
  const ok = await cli(
    ['check', 'r.json', '--threshold', 'tcp.p50<1ms', '--threshold', 'rest.throughput>1k'],
    dir,
  ).done;
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /all 4 checks passed/);
  const crossed = await cli(['check', 'r.json', '--threshold', 'grpc.p99<1ms'], dir).done;
  assert.equal(crossed.code, 3);
  assert.match(crossed.stdout, /CROSSED +grpc 64B: p99/);
  const typo = await cli(['check', 'r.json', '--threshold', 'grcp.p99<1ms'], dir).done;
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /"grcp" matches no case[\s\S]*patterns: tcp, rest, grpc/);
});

test('merge sums two generators into one result', async () => {
  const r = await cli(['merge', 'r.json', 'r.json', '--out', 'm.json'], dir).done;
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')) as {
    mergedFrom: unknown[];
    cases: { summary: { throughput: number } }[];
  };
  assert.equal(m.mergedFrom.length, 2);
  assert.equal(m.cases[0]!.summary.throughput, 2 * histogramResult().cases[0]!.summary!.throughput);
});
