import assert from 'node:assert/strict';
import { test } from 'node:test';
import { histogramResult, seededLatencies, summaryOf } from '../../test/fixtures/histograms.js';
import { measurement } from '../../test/fixtures/result.js';
import type { Measurement, Result, Verdict } from '../result/types.js';
import { mergeConcurrent } from './aggregate.js';
import { mergeResults } from './merge-results.js';

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

function resultWith(reps: readonly Measurement[]): Result {
  const r = histogramResult();
  const c = r.cases[0]!;
  const summary = { ...reps[0]!, repetition: -1, ops: reps.reduce((a, m) => a + m.ops, 0) };
  return {
    ...r,
    cases: [{ ...c, repetitions: reps.map((m, repetition) => ({ ...m, repetition })), summary }],
    plan: { ...r.plan, cases: [c.spec] },
  };
}

test('merge: the summary is built from the repetitions it keeps; the dropped ones are named', () => {
  const rep = (seed: number): Measurement => withLatency(seededLatencies(seed, 5_000, 900), 1_000);
  const a = resultWith([rep(1), rep(2), rep(3)]);
  const b = resultWith([rep(4), rep(5)]);
  const notes: string[] = [];
  const m = mergeResults(
    [
      { file: 'a.json', result: a },
      { file: 'b.json', result: b },
    ],
    notes,
  );
  const c = m.cases[0]!;
  assert.equal(c.repetitions.length, 2);
  const kept = c.repetitions.reduce((n, r) => n + r.ops, 0);
  assert.equal(c.summary!.ops, kept, 'summary ops = the kept repetitions’ ops');
  assert.equal(
    c.summary!.latency.count,
    c.repetitions.reduce((n, r) => n + r.latency.count, 0),
  );
  assert.equal(c.summary!.durationMs, 10_000, 'two repetitions of 5 s');
  assert.match(notes.join('\n'), /kept 2 repetitions \(the fewest any input has: a\.json 3, b\.json 2\)/);
});

test('merge keeps poll and reconnect counts, server helpers, CPU use and connection costs', () => {
  const base = withLatency(seededLatencies(9, 2_000, 500), 400);
  const delivery = {
    subscribers: 2,
    perMessage: 2,
    published: 2_000,
    expected: 4_000,
    delivered: 4_000,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    mismatched: 0,
    throughput: 800,
    latency: base.latency,
    skew: base.latency,
    jitter: base.latency,
    subscribe: base.latency,
    bytesPerDelivery: 64,
    requests: { total: 5_000, empty: 1_000 },
    reconnect: summaryOf([20_000, 30_000]),
  };
  const gen = (cpuUs: number, busy: number): Measurement => ({
    ...base,
    delivery,
    server: {
      cpuUs,
      cpuUsPerOp: cpuUs / base.ops,
      cpuUtilization: busy,
      maxRssBytes: 80e6,
      helpers: [{ role: 'broker (redis-server)', cpuUs: cpuUs / 2, cpuUsPerOp: 0, maxRssBytes: 9e6 }],
    },
    machine: { cores: 8, busyCores: 2, otherCores: busy },
    connections: {
      requested: 100,
      opened: 100,
      failed: 0,
      subscriptions: true,
      openMs: 200,
      concurrency: 100,
      heldOpen: 100,
      server: {
        rssBeforeBytes: 50e6,
        rssAfterBytes: 50e6 + 100 * 10_000 + (cpuUs > 1e6 ? 100 * 10_000 : 0),
        rssPerConnectionBytes: 10_000,
        fdsBefore: 20,
        fdsAfter: cpuUs > 1e6 ? 220 : 120,
        fdsPerConnection: 1,
      },
      driverRssPerConnectionBytes: 3_000,
      fdLimit: 1024,
    },
  });
  const m = mergeConcurrent([gen(1e6, 0.4), gen(1.2e6, 0.7)]);
  assert.deepEqual(m.delivery?.requests, { total: 10_000, empty: 2_000 });
  assert.equal(m.delivery?.reconnect?.count, 4);
  assert.deepEqual(
    m.server?.helpers?.map((h) => [h.role, h.cpuUs]),
    [['broker (redis-server)', 0.6e6]],
    'the same broker seen by both generators: its own CPU, not a sum',
  );
  assert.equal(m.server?.cpuUtilization, 0.7);
  assert.equal(m.machine?.otherCores, 0.7, 'the busiest generator machine');
  assert.equal(m.connections?.opened, 200);
  assert.equal(m.connections?.server?.fdsPerConnection, 1, '200 more descriptors for 200 connections');
  assert.equal(m.connections?.server?.rssPerConnectionBytes, 10_000);
});

test('side-by-side merge keeps the honest-numbers figures: drained, failed latency, backlog, delivery categories, per-second p50/p90/max', () => {
  const base = withLatency(seededLatencies(7, 2_000, 900), 400);
  const failed = summaryOf(seededLatencies(8, 50, 30_000));
  const part = (queued: number, limit: Verdict['limit']): Measurement => ({
    ...base,
    drained: 10,
    failedLatency: failed,
    backlog: {
      queued,
      waitP99: 1_000 * queued,
      waitMax: 2_000 * queued,
    },
    verdict: { limit, why: `q${queued}`, figures: { queued } },
    timeline: [{ t: 1, ops: 400, errors: 0, p50: 800 + queued, p90: 900, p99: 1_000, max: 5_000 + queued }],
    delivery: {
      subscribers: 1,
      perMessage: 1,
      published: 100,
      expected: 100,
      delivered: 95,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      mismatched: 0,
      throughput: 95,
      latency: base.latency,
      skew: base.latency,
      jitter: base.latency,
      subscribe: base.latency,
      bytesPerDelivery: 10,
      undrained: 3,
      late: 2,
      unackedDelivered: 1,
    },
  });
  const merged = mergeConcurrent([part(1, 'none'), part(2, 'SERVER-LIMITED')]);
  assert.equal(merged.drained, 20);
  assert.equal(merged.failedLatency?.count, 100);
  assert.equal(merged.backlog?.queued, 3);
  assert.equal(merged.verdict.limit, 'SERVER-LIMITED', 'server-limited if any generator was');
  assert.equal(merged.backlog?.waitMax, 4_000);
  assert.equal(merged.verdict.why, 'generator #2 (1 of 2): q2');
  assert.equal(merged.delivery?.undrained, 6);
  assert.equal(merged.delivery?.late, 4);
  assert.equal(merged.delivery?.unackedDelivered, 2);
  assert.deepEqual(merged.timeline[0], {
    t: 1,
    ops: 800,
    errors: 0,
    p99: 1_000,
    p50: 802,
    p90: 900,
    max: 5_002,
  });
});

test('merge refuses results of different plans under one name, and shards of different --start-at', () => {
  const a = histogramResult();
  const longer: Result = {
    ...a,
    plan: { ...a.plan, cases: a.plan.cases.map((c) => ({ ...c, durationMs: c.durationMs * 2 })) },
  };
  assert.throws(
    () =>
      mergeResults([
        { file: 'a.json', result: a },
        { file: 'b.json', result: longer },
      ]),
    /same scenario/,
  );
  const shard = (index: number, startAt: string): Result => ({ ...a, shard: { index, count: 2, startAt } });
  assert.throws(
    () =>
      mergeResults([
        { file: 's0.json', result: shard(0, '2025-03-14T09:26:53.000Z') },
        { file: 's1.json', result: shard(1, '2025-03-14T09:27:53.000Z') },
      ]),
    (err: unknown) => {
      assert.match(
        (err as { details: string[] }).details.join('\n'),
        /s1\.json: --start-at .*not shards of one run/,
      );
      return true;
    },
  );
});
