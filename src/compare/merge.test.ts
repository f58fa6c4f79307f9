import assert from 'node:assert/strict';
import { test } from 'node:test';
import { histogramResult, seededLatencies, summaryOf } from '../../test/fixtures/histograms.js';
import { measurement } from '../../test/fixtures/result.js';
import type { Measurement, Result } from '../result/types.js';
import { mergeConcurrent, mergeResults } from './merge.js';

function withLatency(samples: readonly number[], throughput: number): Measurement {
  const m = measurement({
    throughput,
    durationMs: 5_000,
    p50: 900,
    payload: 100,
    wire: 150,
    driverCpuUsPerOp: 5,
  });
  const latency = summaryOf(samples);
  return { ...m, latency, service: latency };
}

test('merging two halves equals the whole within histogram precision', () => {
  const all = seededLatencies(42, 40_000, 900);
  const whole = withLatency(all, 8_000);
  const a = withLatency(all.slice(0, 20_000), 4_000);
  const b = withLatency(all.slice(20_000), 4_000);
  const merged = mergeConcurrent([a, b]);
  // 3 significant digits: values within 0.1% (decoding reports a bucket's highest equivalent value).
  for (const k of ['count', 'min', 'p50', 'p90', 'p99', 'p999', 'max'] as const) {
    const diff = Math.abs(merged.latency[k] - whole.latency[k]);
    assert.ok(diff <= whole.latency[k] * 1e-3, `${k}: ${merged.latency[k]} vs ${whole.latency[k]}`);
  }
  assert.equal(merged.latency.count, whole.latency.count);
  assert.ok(Math.abs(merged.latency.mean - whole.latency.mean) <= whole.latency.mean * 1e-3, 'mean');
  assert.equal(merged.throughput, 8_000, 'throughputs summed');
  assert.equal(merged.ops, 40_000);
  assert.equal(merged.wire.perOp, 150, 'per-op bytes recomputed from totals');
  assert.equal(merged.driver.workers, 2);
});

test('merge lists every environment and refuses results of different scenarios', () => {
  const a = histogramResult();
  const b: Result = {
    ...histogramResult(),
    environment: { ...a.environment, cpuModel: 'Other CPU', cores: 4 },
  };
  const m = mergeResults([
    { file: 'a.json', result: a },
    { file: 'b.json', result: b },
  ]);
  assert.deepEqual(
    m.mergedFrom?.map((s) => [s.file, s.environment.cpuModel]),
    [
      ['a.json', 'AMD EPYC 7B13'],
      ['b.json', 'Other CPU'],
    ],
  );
  assert.equal(m.cases[0]!.summary!.throughput, 2 * a.cases[0]!.summary!.throughput);
  assert.equal(m.cases[0]!.summary!.latency.count, 2 * a.cases[0]!.summary!.latency.count);
  assert.equal(m.cases[0]!.summary!.latency.p99, a.cases[0]!.summary!.latency.p99, 'same distribution twice');

  const other: Result = { ...b, plan: { ...b.plan, name: 'other', cases: b.plan.cases.slice(1) } };
  assert.throws(
    () =>
      mergeResults([
        { file: 'a.json', result: a },
        { file: 'c.json', result: other },
      ]),
    (err: Error & { code?: string; details?: string[] }) =>
      err.code === 'E_MERGE_MISMATCH' &&
      err.details?.length === 2 &&
      /scenario other, not rest-vs-grpc/.test(err.details[0]!) &&
      /lacks case\(s\) tcp closed c=32 64B/.test(err.details[1]!),
  );
  assert.throws(() => mergeResults([{ file: 'a.json', result: a }]), /at least two/);
});
