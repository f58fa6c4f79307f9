/**
 * Per-second timeline points: the drivers' seconds merged exactly, with p50, p90, p99 and max read
 * from the merged histogram of each second (values chosen so each percentile is a known sample).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeTimelines } from '../../src/engine/aggregate.js';
import { createHistogram, encodeHistogram, recordMicros } from '../../src/metrics/histogram.js';

function second(values: readonly number[], errors = 0): { ops: number; errors: number; latency: string } {
  const h = createHistogram();
  for (const v of values) recordMicros(h, v);
  return { ops: values.length, errors, latency: encodeHistogram(h) };
}

test('every second of a repetition has p50, p90, p99, max, throughput and errors', () => {
  // Worker A: second 1 holds 1..60 µs, second 2 holds 100 µs ×10; worker B: second 1 holds
  // 61..100 µs (so second 1 merged is 1..100 µs), and no second 2.
  const a = {
    timeline: [
      second(
        Array.from({ length: 60 }, (_, i) => i + 1),
        2,
      ),
      second(Array(10).fill(100)),
    ],
  };
  const b = {
    timeline: [
      second(
        Array.from({ length: 40 }, (_, i) => i + 61),
        1,
      ),
    ],
  };
  const points = mergeTimelines([a.timeline, b.timeline]);
  assert.deepEqual(points, [
    { t: 1, ops: 100, errors: 3, p50: 50, p90: 90, p99: 99, max: 100 },
    { t: 2, ops: 10, errors: 0, p50: 100, p90: 100, p99: 100, max: 100 },
  ]);
});

test('a second without completions has zero latencies, not NaN', () => {
  const points = mergeTimelines([[second([], 4)]]);
  assert.deepEqual(points, [{ t: 1, ops: 0, errors: 4, p50: 0, p90: 0, p99: 0, max: 0 }]);
});

test("stored points (shards' results) merge by second: counts summed, each percentile its worst part's", () => {
  const shard1 = [
    { t: 1, ops: 10, errors: 1, p50: 5, p99: 40 },
    { t: 2, ops: 20, errors: 0, p50: 6, p90: 9, p99: 30, max: 50 },
  ];
  const shard2 = [{ t: 1, ops: 30, errors: 0, p50: 7, p99: 20, max: 25 }];
  assert.deepEqual(mergeTimelines([shard1, shard2]), [
    { t: 1, ops: 40, errors: 1, p50: 7, p99: 40, max: 25 },
    { t: 2, ops: 20, errors: 0, p50: 6, p90: 9, p99: 30, max: 50 },
  ]);
});
