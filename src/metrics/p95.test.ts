import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResult } from '../../test/fixtures/result.js';
import { checkThresholds, parseThreshold } from '../compare/check.js';
import { findMetric } from '../compare/metrics.js';
import type { Result } from '../result/types.js';
import { createHistogram, encodeHistogram, p95Of, summarizeHistogram } from './histogram.js';

/** 1 µs … 1000 µs, once each: p95 is 950 µs, p90 900 µs, p99 990 µs. */
function oneToThousand() {
  const h = createHistogram();
  for (let v = 1; v <= 1000; v++) h.recordValue(v);
  return h;
}

test('summarizeHistogram records p95 between p90 and p99', () => {
  const s = summarizeHistogram(oneToThousand());
  assert.deepEqual([s.p90, s.p95, s.p99], [900, 950, 990]);
  assert.equal(summarizeHistogram(createHistogram()).p95, 0);
});

test('p95Of: stored field first, else the encoded histogram of an older result, else undefined', () => {
  const { p95: _stored, ...old } = summarizeHistogram(oneToThousand());
  assert.equal(p95Of(old), 950);
  assert.equal(p95Of({ ...old, p95: 123 }), 123);
  assert.equal(p95Of({ ...old, encoded: '' }), undefined);
});

test("check --threshold 'grpc.p95<…' reads p95 from each case's merged histogram", () => {
  assert.equal(findMetric('p95')?.unit, 'µs');
  const base = makeResult();
  const encoded = encodeHistogram(oneToThousand());
  // The fixture's summaries carry no p95 (an older result): p95 must come from the histogram.
  const result: Result = {
    ...base,
    cases: base.cases.map((c) =>
      c.summary ? { ...c, summary: { ...c.summary, latency: { ...c.summary.latency, encoded } } } : c,
    ),
  };
  const pass = checkThresholds(result, [parseThreshold('grpc.p95<951us')]);
  assert.ok(pass.length > 0);
  assert.deepEqual(
    pass.map((o) => [o.actual, o.passed]),
    pass.map(() => [950, true]),
  );
  const fail = checkThresholds(result, [parseThreshold('grpc.p95<=949us')]);
  assert.deepEqual(
    fail.map((o) => o.passed),
    fail.map(() => false),
  );
});
