import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyOf, makeCases, makeResult } from '../../test/fixtures/result.js';
import type { Result } from '../result/types.js';
import { noisyResult } from '../../test/fixtures/noisy.js';
import { compareResults, verdictOf } from './compare.js';
import { parseFailOn } from './gates.js';
import { findMetric } from './metrics.js';

const restRegressed = (c: ReturnType<typeof compareResults>): boolean =>
  c.rows.find((r) => r.base.spec.pattern === 'rest')!.metrics.some((m) => m.verdict === 'regressed');

// Seeded trials: 5 repetitions per case (the count docs/ci.md recommends), 5% run-to-run noise.
test('identical-but-noisy inputs: no regression in at least 95 of 100 seeded trials', () => {
  let clean = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const base = noisyResult({ seed, reps: 5, noise: 0.05 });
    const head = noisyResult({ seed: seed + 1000, reps: 5, noise: 0.05 });
    if (compareResults(base, head, { threshold: 0.05 }).regressions === 0) clean++;
  }
  assert.ok(clean >= 95, `only ${clean}/100 trials without a false regression`);
});

test('a true 20% slowdown is detected in at least 95 of 100 seeded trials', () => {
  let detected = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const base = noisyResult({ seed, reps: 5, noise: 0.05 });
    const head = noisyResult({ seed: seed + 2000, reps: 5, noise: 0.05, slower: { rest: 1.2 } });
    if (restRegressed(compareResults(base, head, { threshold: 0.05 }))) detected++;
  }
  assert.ok(detected >= 95, `detected in only ${detected}/100 trials`);
});

test('--normalize tcp: a slower runner alone is no regression; a slower rest on it still is', () => {
  const base = noisyResult({ seed: 7, reps: 5, noise: 0.02 });
  const slowRunner = noisyResult({ seed: 8, reps: 5, noise: 0.02, machine: 1.3 });
  assert.ok(
    compareResults(base, slowRunner, { threshold: 0.05 }).regressions > 0,
    'raw: everything regressed',
  );
  const normalized = compareResults(base, slowRunner, { threshold: 0.05, normalize: 'tcp' });
  assert.equal(normalized.regressions, 0);
  assert.equal(normalized.floors.length, 1, 'the tcp floor is shown, not compared');
  const tput = normalized.floors[0]!.metrics.find((m) => m.metric.name === 'throughput')!;
  assert.ok(tput.change < -0.2, `floor throughput moved ${tput.change}`);
  const rest = normalized.rows.find((r) => r.base.spec.pattern === 'rest')!;
  assert.ok(rest.metrics[0]!.rawChange! < -0.2, 'raw change kept next to the normalized one');

  const slowRest = noisyResult({ seed: 9, reps: 5, noise: 0.02, machine: 1.3, slower: { rest: 1.25 } });
  const c = compareResults(base, slowRest, { threshold: 0.05, normalize: 'tcp' });
  assert.ok(restRegressed(c));
  assert.equal(
    c.rows.find((r) => r.base.spec.pattern === 'grpc')!.metrics.filter((m) => m.verdict === 'regressed')
      .length,
    0,
  );
  assert.throws(
    () =>
      compareResults(base, noisyResult({ seed: 1, reps: 2, noise: 0.01, patterns: ['rest'] }), {
        threshold: 0.05,
        normalize: 'tcp',
      }),
    /HEAD has no measured tcp case/,
  );
});

test('a base case missing, unmeasured or crashed in the head fails the gate and is named', () => {
  const base = makeResult();
  const head = makeResult({ cases: makeCases().slice(1) });
  const c = compareResults(base, head, { threshold: 0.05 });
  assert.deepEqual(
    c.unmatched.map((u) => [u.side, u.label, u.reason.split(' (')[0]]),
    [
      ['base', 'tcp 64B', 'only in base'],
      ['both', 'graphql 1KiB', 'no measurements in both'],
    ],
  );
  assert.equal(c.rows.length, 7);
  assert.equal(c.regressions, 0, 'identical single runs');
  assert.equal(c.failed, true, 'missing data never passes');
  assert.deepEqual(
    c.failures.map((f) => [f.label, f.reason.split(' (')[0]]),
    [
      ['tcp 64B', 'missing in head'],
      ['websocket 1KiB', 'the head case did not complete'],
      ['graphql 1KiB', 'no measurements in the head'],
    ],
  );
  assert.match(c.failures[1]!.reason, /server-crashed: server process exited with signal SIGKILL/);
  const verdicts = new Set(
    c.rows.flatMap((r) => r.metrics.map((m) => `${r.label} ${m.metric.name}: ${m.verdict}`)),
  );
  assert.ok(
    verdicts.has('grpc 64B p99: within-noise'),
    'three noisy repetitions: an interval wider than ±5%',
  );
  assert.ok(verdicts.has('tcp 16KiB p99: too-few'), "one repetition: no interval, can't tell");
  assert.equal(c.tooFew, 24, 'six one-repetition rows × four gated metrics (serverCpu: they measured it)');
  assert.equal(c.regressions, 0);
  assert.deepEqual(
    c.rows.filter((r) => r.flags.head.length > 0).map((r) => [r.label, r.flags.base, r.flags.head]),
    [
      ['rest 16KiB', ['DRIVER-LIMITED'], ['DRIVER-LIMITED']],
      ['rest 1KiB', ['SERVER-LIMITED dropped 9.4%'], ['SERVER-LIMITED dropped 9.4%']],
    ],
    'the flags the report shows, per side',
  );

  // A case only in the head is new, not missing: listed, not failed.
  const grown = compareResults(head, head, { threshold: 0.05 });
  const wider = compareResults(makeResult({ cases: makeCases().slice(1, 7) }), head, { threshold: 0.05 });
  assert.ok(grown.failures.every((f) => f.label !== 'tcp 64B'));
  assert.ok(wider.unmatched.some((u) => u.side === 'head'));
  assert.ok(
    wider.failures.every(
      (f) => f.reason.startsWith('the head case did not complete') || f.label === 'graphql 1KiB',
    ),
  );
});

test('a gated metric missing or ≤ 0 on one side fails the gate; not gated, it is only shown', () => {
  const base = noisyResult({ seed: 5, reps: 3, noise: 0.02 });
  const head = noisyResult({ seed: 6, reps: 3, noise: 0.02 });
  const stripped = {
    ...head,
    cases: head.cases.map((c) =>
      c.spec.pattern === 'rest'
        ? {
            ...c,
            repetitions: c.repetitions.map((r, i) => {
              const { server: _server, ...rest } = r;
              return i === 0 ? { ...rest, wire: { ...r.wire, perOp: 0 } } : rest;
            }),
          }
        : c,
    ),
  };
  const gated = compareResults(base, stripped, {
    threshold: 0.05,
    failOn: parseFailOn('serverCpu:+10%,wire:+10%'),
  });
  assert.equal(gated.regressions, 0);
  assert.equal(gated.failed, true);
  assert.deepEqual(
    gated.failures.map((f) => [f.label, f.metric, f.reason]),
    [
      ['rest 64B', 'serverCpu', 'no positive serverCpu in head'],
      ['rest 64B', 'wire', 'no positive wire in head'],
    ],
  );
  const row = gated.rows.find((r) => r.label === 'rest 64B')!;
  assert.deepEqual(
    row.metrics.map((m) => m.metric.name),
    ['throughput', 'p50', 'p99', 'serverCpu', 'wire'],
  );
  assert.deepEqual(
    row.metrics.filter((m) => m.verdict === 'missing').map((m) => [m.metric.name, m.head]),
    [
      ['serverCpu', undefined],
      ['wire', undefined],
    ],
  );
  const shownOnly = compareResults(base, stripped, {
    threshold: 0.05,
    failOn: parseFailOn('p99:+50%'),
    metrics: [findMetric('serverCpu')!],
  });
  assert.equal(shownOnly.failed, false, 'a missing metric that does not gate is shown, not failed');
  assert.equal(
    shownOnly.rows.find((r) => r.label === 'rest 64B')!.metrics.find((m) => m.metric.name === 'serverCpu')!
      .verdict,
    'missing',
  );
});

test('--fail-on gates only the metrics it names, with their own limits', () => {
  const base = noisyResult({ seed: 3, reps: 5, noise: 0.01 });
  const head = noisyResult({ seed: 4, reps: 5, noise: 0.01, slower: { rest: 1.08 } });
  const loose = compareResults(base, head, { threshold: 0.05, failOn: parseFailOn('p99:+10%') });
  assert.equal(loose.regressions, 0, '8% is under p99:+10%');
  const strict = compareResults(base, head, { threshold: 0.05, failOn: parseFailOn('throughput:-5%') });
  assert.equal(strict.regressions, 1);
  const rest = strict.rows.find((r) => r.base.spec.pattern === 'rest')!;
  assert.deepEqual(
    rest.metrics.map((m) => [m.metric.name, m.gated]),
    [
      ['throughput', true],
      ['p50', false],
      ['p99', false],
      ['serverCpu', false],
    ],
  );
});

test('verdicts: significant and beyond the limit, within the limit, or too noisy to tell', () => {
  const p99 = findMetric('p99')!;
  const tput = findMetric('throughput')!;
  assert.equal(verdictOf(p99, 0.2, 0.1, 0.3, 0.05), 'regressed');
  assert.equal(verdictOf(tput, 0.2, 0.1, 0.3, 0.05), 'improved');
  assert.equal(verdictOf(p99, 0.03, 0.01, 0.05, 0.05), 'unchanged', 'real but small');
  assert.equal(verdictOf(p99, 0.01, -0.02, 0.04, 0.05), 'unchanged', 'interval within ±limit');
  assert.equal(verdictOf(p99, 0.15, -0.05, 0.35, 0.05), 'within-noise');
  assert.equal(verdictOf(p99, 0.15, undefined, undefined, 0.05), 'too-few', "no interval: can't tell");
  assert.equal(verdictOf(tput, -0.4, undefined, undefined, 0.05), 'too-few', 'however large the change');
});

test('push/queue rows are compared on what the table shows (deliveries), ack.* and publish.* on request', () => {
  // Publishing is unchanged; the subscribers receive 40% slower and later.
  const withDelivery = (r: Result, slower: number): Result => ({
    ...r,
    cases: r.cases.map((c) => ({
      ...c,
      repetitions: c.repetitions.map((m) => ({
        ...m,
        delivery: {
          subscribers: 1,
          perMessage: 1,
          published: m.ops,
          expected: m.ops,
          delivered: m.ops,
          lost: 0,
          duplicated: 0,
          outOfOrder: 0,
          mismatched: 0,
          throughput: m.throughput / slower,
          latency: latencyOf(Math.round(m.latency.p50 * 2 * slower)),
          skew: latencyOf(1),
          jitter: latencyOf(1),
          subscribe: latencyOf(100),
          bytesPerDelivery: 64,
        },
      })),
    })),
  });
  const base = withDelivery(noisyResult({ seed: 21, reps: 5, noise: 0.01, patterns: ['rest'] }), 1);
  const head = withDelivery(noisyResult({ seed: 22, reps: 5, noise: 0.01, patterns: ['rest'] }), 1.4);
  const c = compareResults(base, head, { threshold: 0.05 });
  assert.deepEqual(
    c.rows[0]!.metrics.map((m) => [m.metric.name, m.verdict]),
    [
      ['throughput', 'regressed'],
      ['p50', 'regressed'],
      ['p99', 'regressed'],
      ['serverCpu', 'unchanged'],
    ],
  );
  const publisher = compareResults(base, head, {
    threshold: 0.05,
    metrics: ['publish.throughput', 'ack.p99', 'delivery.p99'].map((n) => findMetric(n)!),
  });
  assert.deepEqual(
    publisher.rows[0]!.metrics.map((m) => [m.metric.name, m.verdict]),
    [
      ['publish.throughput', 'unchanged'],
      ['ack.p99', 'unchanged'],
      ['delivery.p99', 'regressed'],
    ],
  );
});

test("one repetition a side: a 40% change is can't tell, never regressed; it passes with a warning unless strict", () => {
  // Two single runs of the same code on a shared 2-core machine differed by 38.6% (rest throughput).
  const base = noisyResult({ seed: 31, reps: 1, noise: 0.02 });
  const head = noisyResult({ seed: 32, reps: 1, noise: 0.02, slower: { rest: 1.4 } });
  const c = compareResults(base, head, { threshold: 0.05 });
  const rest = c.rows.find((r) => r.base.spec.pattern === 'rest')!;
  assert.ok(rest.metrics[0]!.change < -0.25, `rest throughput moved ${rest.metrics[0]!.change}`);
  assert.deepEqual(
    rest.metrics.map((m) => [m.metric.name, m.verdict, m.low]),
    [
      ['throughput', 'too-few', undefined],
      ['p50', 'too-few', undefined],
      ['p99', 'too-few', undefined],
      ['serverCpu', 'too-few', undefined],
    ],
  );
  assert.equal(c.regressions, 0);
  assert.equal(c.tooFew, 12);
  assert.equal(c.failed, false, 'not tested is not a regression');
  assert.deepEqual(c.failures, []);

  const strict = compareResults(base, head, { threshold: 0.05, strict: true });
  assert.equal(strict.regressions, 0);
  assert.equal(strict.failed, true, '--strict: a gate that tested nothing fails');
  assert.deepEqual(
    strict.failures.map((f) => [f.label, f.metric, f.reason]),
    ['tcp 64B', 'rest 64B', 'grpc 64B'].map((label) => [
      label,
      'throughput, p50, p99, serverCpu',
      'not tested: 1/1 repetitions (base/head), an interval needs 2 a side (--strict)',
    ]),
  );

  // One side with 5, the other with 1: still no interval.
  const mixed = compareResults(noisyResult({ seed: 33, reps: 5, noise: 0.02 }), head, { threshold: 0.05 });
  assert.equal(mixed.regressions, 0);
  assert.equal(mixed.tooFew, 12);
  // A metric that does not gate is shown, never counted as untested.
  const onlyP99 = compareResults(base, head, { threshold: 0.05, failOn: parseFailOn('p99:+10%') });
  assert.equal(onlyP99.tooFew, 3);
});

test('serverCpu is gated by default where the base measured it, and not where it did not (--target)', () => {
  const base = noisyResult({ seed: 41, reps: 5, noise: 0.02 });
  const head = noisyResult({ seed: 42, reps: 5, noise: 0.02 });
  // The same server work per operation, 25% more of it in rest: latency and throughput unchanged.
  const busier: Result = {
    ...head,
    cases: head.cases.map((c) =>
      c.spec.pattern !== 'rest'
        ? c
        : {
            ...c,
            repetitions: c.repetitions.map((r) => ({
              ...r,
              server: {
                ...r.server!,
                cpuUs: r.server!.cpuUs * 1.25,
                cpuUsPerOp: r.server!.cpuUsPerOp * 1.25,
              },
            })),
          },
    ),
  };
  const c = compareResults(base, busier, { threshold: 0.05 });
  const rest = c.rows.find((r) => r.base.spec.pattern === 'rest')!;
  assert.deepEqual(
    rest.metrics.map((m) => [m.metric.name, m.gated, m.verdict === 'regressed']),
    [
      ['throughput', true, false],
      ['p50', true, false],
      ['p99', true, false],
      ['serverCpu', true, true],
    ],
  );
  assert.equal(c.regressions, 1);
  assert.equal(c.tests, 12, 'three cases × four gated metrics');

  // A --target base without --server-pid has no server figures: serverCpu is not shown, nothing fails.
  const unmeasured = (r: Result, cpuUs?: number): Result => ({
    ...r,
    cases: r.cases.map((cr) => ({
      ...cr,
      repetitions: cr.repetitions.map((m) => {
        const { server, ...rest } = m;
        return cpuUs === undefined ? rest : { ...rest, server: { ...server!, cpuUs } };
      }),
    })),
  });
  const target = compareResults(unmeasured(base), unmeasured(busier), { threshold: 0.05 });
  assert.equal(target.failed, false);
  assert.ok(target.rows.every((r) => r.metrics.every((m) => m.metric.name !== 'serverCpu')));
  // Measured with /proc's 10 ms ticks, a server that did less than 100 ms of work per window is rounding: not gated.
  const idle = compareResults(unmeasured(base, 60_000), unmeasured(busier, 0), { threshold: 0.05 });
  assert.equal(idle.failed, false);
  assert.ok(idle.rows.every((r) => r.metrics.every((m) => m.metric.name !== 'serverCpu')));
  // Asked for explicitly, it is compared (and fails as missing where the head has none).
  const asked = compareResults(unmeasured(base, 60_000), unmeasured(busier), {
    threshold: 0.05,
    failOn: parseFailOn('serverCpu:+10%'),
  });
  assert.equal(asked.failures.length, 3);
});
