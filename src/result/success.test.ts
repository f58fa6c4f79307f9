import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResult, measurement, spec } from '../../test/fixtures/result.js';
import { checkThresholds, parseThreshold } from '../compare/check.js';
import { compareResults } from '../compare/compare.js';
import { renderCsv } from '../report/csv.js';
import { renderHtml } from '../report/html.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderOpenMetrics } from '../report/openmetrics.js';
import { renderTable } from '../report/table.js';
import { noSuccessReason } from './success.js';
import type { CaseResult, Measurement, Result } from './types.js';

/** A window in which every operation failed (HTTP 500), as results written before 0.1.1 stored it: status ok. */
function allFailed(): Measurement {
  const m = measurement({
    throughput: 0,
    p50: 0,
    errors: { protocol: 23_958 },
    errorSamples: { protocol: 'HTTP 500 on POST / (expected any 2xx)' },
    payload: 3,
    wire: 0,
    driverCpuUsPerOp: 0,
  });
  return { ...m, latency: { ...m.latency, count: 0 }, service: { ...m.service, count: 0 } };
}

function withNoSuccess(status: CaseResult['status'] = 'ok'): Result {
  const s = spec('rest', 256, { id: 'dead' });
  const summary = allFailed();
  const dead: CaseResult = {
    spec: s,
    status,
    ...(status === 'ok' ? {} : { error: { code: 'E_NO_SUCCESS', message: noSuccessReason(summary)! } }),
    repetitions: [{ ...summary, repetition: 0 }],
    summary,
  };
  const base = makeResult();
  return makeResult({ cases: [dead], plan: { ...base.plan, cases: [s] } });
}

test('no success: the reason names the errors by kind, with an example, and what stayed in flight', () => {
  const m = allFailed();
  assert.equal(
    noSuccessReason(m),
    'no operation succeeded in the 10s window: 23,958 protocol errors (e.g. "HTTP 500 on POST / (expected any 2xx)")',
  );
  const stalled = {
    ...m,
    errors: { ...m.errors, protocol: 0, total: 0 },
    errorSamples: {},
    unansweredAtEnd: 4,
  };
  assert.match(
    noSuccessReason(stalled) ?? '',
    /4 operations in flight at the window's end and never answered/,
  );
  assert.equal(noSuccessReason(makeResult().cases[0]!.summary!), undefined, 'a healthy case');
});

test('mostly failed: a window where more operations failed than succeeded fails too; a minority of errors does not', () => {
  const mostly = measurement({
    throughput: 20, // 200 successes in the 10 s window
    p50: 900,
    errors: { protocol: 23_958 },
    errorSamples: { protocol: 'HTTP 500 on POST / (expected any 2xx)' },
    payload: 3,
    wire: 40,
    driverCpuUsPerOp: 30,
  });
  assert.equal(
    noSuccessReason(mostly),
    'most operations failed in the 10s window: 23,958 of 24,158 (99.2%): 23,958 protocol errors (e.g. "HTTP 500 on POST / (expected any 2xx)")',
  );
  const some = measurement({
    throughput: 100,
    p50: 900,
    errors: { timeout: 400 },
    payload: 3,
    wire: 40,
    driverCpuUsPerOp: 30,
  });
  assert.equal(noSuccessReason(some), undefined, '400 failed of 1,400: measured, not failed');
});

test('no success: every report shows latency and per-op costs as absent, never 0.0µs', () => {
  for (const result of [withNoSuccess(), withNoSuccess('failed')]) {
    const table = renderTable(result, { color: false, width: 160 });
    // Rows sit under their group's heading (payload · load), named by what tells them apart.
    const row = table.split('\n').find((l) => /^rest\b/.test(l));
    assert.ok(row, table);
    assert.doesNotMatch(row, /0\.0µs|\b0µs/, row);
    const md = renderMarkdown(result);
    const mdRow = md.split('\n').find((l) => /^\| rest\b/.test(l));
    assert.ok(mdRow, md);
    assert.doesNotMatch(mdRow, /0\.0µs/);
    assert.doesNotMatch(md, /title "Latency/, 'no latency chart of nothing');
    const html = renderHtml(result);
    assert.doesNotMatch(html, />0\.0µs</);
    const [header, summaryRow] = renderCsv(result).split('\n');
    const cells = Object.fromEntries(header!.split(',').map((k, i) => [k, summaryRow!.split(',')[i]]));
    assert.equal(cells.latency_p50_us, '');
    assert.equal(cells.latency_p99_us, '');
    assert.equal(cells.errors_protocol, '23958');
    const prom = renderOpenMetrics(result);
    assert.doesNotMatch(prom, /commbench_latency_seconds\{[^}]*quantile/);
    assert.match(prom, /commbench_errors_total\{[^}]*kind="protocol"[^}]*\} 23958/);
  }
});

test('no success: check crosses every threshold of the case (errors, latency), compare fails', () => {
  const result = withNoSuccess();
  for (const text of ['errors<1', 'p99<1ms', 'throughput>=0']) {
    const [outcome] = checkThresholds(result, [parseThreshold(text)]);
    assert.equal(outcome?.passed, false, text);
    assert.match(outcome?.reason ?? '', /the case failed \(no operation succeeded/, text);
  }
  const healthy = makeResult();
  const head: Result = {
    ...healthy,
    cases: healthy.cases.map((c, i) =>
      i === 2 ? { ...c, summary: allFailed(), repetitions: [allFailed()] } : c,
    ),
  };
  const comparison = compareResults(healthy, head, { threshold: 0.05 });
  assert.equal(comparison.failed, true);
  assert.ok(
    comparison.failures.some((f) => /no measurements in the head \(no operation succeeded/.test(f.reason)),
    JSON.stringify(comparison.failures),
  );
});

/** 1,000 successes in a 10 s window, then `quietMs` without one and 2 operations never answered. */
function stalled(quietMs: number, ops = 1000): Measurement {
  const m = measurement({
    throughput: ops / 10,
    p50: 900,
    errors: { timeout: 2 },
    errorSamples: { timeout: 'no answer within 2000 ms' },
    payload: 3,
    wire: 40,
    driverCpuUsPerOp: 30,
  });
  return { ...m, unansweredAtEnd: 2, quietAtEndMs: quietMs };
}

test('stall: the server stopped answering before the window ended, with more successes than failures', () => {
  assert.equal(
    noSuccessReason(stalled(4_000)),
    'the server stopped answering: no operation succeeded in the last 4s of the 10s window, 2 operations in flight at its end never answered (1,000 succeeded before; 2 timeout errors (e.g. "no answer within 2000 ms"))',
  );
  assert.equal(noSuccessReason(stalled(900)), undefined, 'under a tenth of the window');
  // A trickle: 5 successes in 10 s (2 s apart) and the last one 2.5 s before the end is no stall.
  assert.equal(noSuccessReason(stalled(2_500, 5)), undefined, 'within three mean gaps');
  assert.match(noSuccessReason(stalled(6_500, 5)) ?? '', /^the server stopped answering/);
  const answered = { ...stalled(4_000), unansweredAtEnd: 0 };
  assert.equal(noSuccessReason(answered), undefined, 'what was in flight was answered after the end');
});

test('stall: check and compare fail a case stored as ok whose window stalled (its repetition carries it)', () => {
  const healthy = makeResult();
  const stall = stalled(4_000);
  // Two repetitions: the summary has no quietAtEndMs (it is per window); the stalled repetition has.
  const { quietAtEndMs: _, ...summary } = stall;
  const head: Result = {
    ...healthy,
    cases: healthy.cases.map((c, i) =>
      i === 0
        ? {
            ...c,
            summary,
            repetitions: [
              { ...stall, repetition: 0 },
              { ...summary, repetition: 1 },
            ],
          }
        : c,
    ),
  };
  const outcome = checkThresholds(head, [parseThreshold('errors<5')]).find((o) => !o.passed);
  assert.equal(outcome?.passed, false);
  assert.match(outcome?.reason ?? '', /^the case failed \(the server stopped answering/);
  const comparison = compareResults(healthy, head, { threshold: 0.05 });
  assert.equal(comparison.failed, true);
  assert.ok(
    comparison.failures.some((f) => /the head case failed \(the server stopped answering/.test(f.reason)),
    JSON.stringify(comparison.failures),
  );
});

test('no delivery: the reason names the errors the subscribers met (an event too large, a reconnect turned away)', () => {
  const m = measurement({
    throughput: 90,
    p50: 900,
    payload: 3,
    wire: 40,
    driverCpuUsPerOp: 30,
  });
  const delivery = { published: 900, expected: 900, delivered: 0, lost: 900 };
  const none: Measurement = {
    ...m,
    errors: { ...m.errors, oversize: 2, total: 2 },
    errorSamples: { oversize: 'an SSE event over 67,108,900 bytes, more than the 64 MiB a client reads' },
    delivery: delivery as unknown as NonNullable<Measurement['delivery']>,
  };
  assert.match(
    noSuccessReason(none) ?? '',
    /^no message reached a subscriber: 900 published, none delivered; 900 lost; 2 oversize errors \(e\.g\. "an SSE event over/,
  );
});
