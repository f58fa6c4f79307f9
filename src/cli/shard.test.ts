import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResult } from '../../test/fixtures/result.js';
import { mergeResults } from '../engine/merge-results.js';
import type { CommbenchError } from '../errors.js';
import type { LoadSpec } from '../plan/types.js';
import { parseShard, parseStartAt, shardLoad } from './shard.js';
import { loadDefinition } from '../engine/load/registry.js';

test('shardLoad: connections spread evenly, rate in proportion, summing to the whole', () => {
  const load: LoadSpec = { model: 'rate', connections: 50, rate: 1000, inFlight: 1, maxInFlight: 300 };
  const shares = [0, 1, 2].map((index) => shardLoad(load, { index, count: 3 }));
  assert.deepEqual(
    shares.map((l) => l.connections),
    [17, 17, 16],
  );
  const rates = shares.map((l) => (l.model === 'rate' ? l.rate : NaN));
  assert.deepEqual(rates, [340, 340, 320]);
  assert.deepEqual(
    shares.map((l) => (l.model === 'rate' ? l.maxInFlight : NaN)),
    [100, 100, 100],
  );
  const closed = shardLoad({ model: 'closed', connections: 4, inFlight: 8 }, { index: 3, count: 4 });
  assert.deepEqual(closed, { model: 'closed', connections: 1, inFlight: 8 });
});

test('parseShard / parseStartAt: accepted forms and one-line errors with a hint', () => {
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  assert.deepEqual(parseShard(' 0 / 1 '), { index: 0, count: 1 });
  for (const bad of ['3/3', '1/0', '-1/3', 'a/b', '1']) {
    assert.throws(
      () => parseShard(bad),
      (e: CommbenchError) => e.code === 'E_USAGE' && /JOB_COMPLETION_INDEX/.test(e.hint ?? ''),
      bad,
    );
  }
  const now = Date.UTC(2026, 11, 2, 19, 58);
  assert.equal(parseStartAt('2026-12-02T20:00:00Z', now), Date.UTC(2026, 11, 2, 20));
  assert.equal(parseStartAt('1796241600000', 1796241600000 - 30_000), 1796241600000);
  // Out of range: a clear usage error, never a RangeError (an invalid Date) or a timer that fires at once.
  const outOfRange: [string, RegExp][] = [
    ['99999999999999999', /out of range\) is more than 7 days ahead/],
    ['2027-01-02T20:00:00Z', /more than 7 days ahead/],
    ['2026-12-02T18:00:00Z', /more than an hour in the past/],
    ['1796241600', /more than an hour in the past \(epoch seconds\? it takes milliseconds\)/],
  ];
  for (const [bad, message] of outOfRange) {
    assert.throws(
      () => parseStartAt(bad, now),
      (e: CommbenchError) =>
        e.code === 'E_USAGE' && message.test(e.message) && /7 days ahead/.test(e.hint ?? ''),
      bad,
    );
  }
  for (const bad of ['soon', '12', '2026-12-02', '+5s']) {
    assert.throws(
      () => parseStartAt(bad),
      (e: CommbenchError) => e.code === 'E_USAGE',
      bad,
    );
  }
});

test('merge of shard results: every shard once, loads summed; a missing or doubled shard is named', () => {
  const base = makeResult();
  const half = (index: number) => ({
    ...base,
    shard: { index, count: 2 },
    cases: base.cases.map((c) => ({
      ...c,
      spec: { ...c.spec, load: shardLoad(c.spec.load, { index, count: 2 }) },
    })),
  });
  const merged = mergeResults([
    { file: 'a.json', result: half(0) },
    { file: 'b.json', result: half(1) },
  ]);
  assert.deepEqual(
    merged.cases.map((c) => c.spec.load),
    base.cases.map((c) => c.spec.load),
  );
  assert.deepEqual(
    merged.plan.cases.map((c) => c.load),
    base.cases.map((c) => c.spec.load),
  );
  const problems = (inputs: Parameters<typeof mergeResults>[0]): string => {
    try {
      mergeResults(inputs);
    } catch (e) {
      return [...(e as CommbenchError).details, `hint: ${(e as CommbenchError).hint}`].join('\n');
    }
    assert.fail('merged');
  };
  assert.match(
    problems([
      { file: 'a.json', result: half(0) },
      { file: 'b.json', result: half(0) },
    ]),
    /missing shard\(s\) 1\/2\nshard\(s\) given twice: 0\/2/,
  );
  assert.match(
    problems([
      { file: 'a.json', result: half(0) },
      { file: 'b.json', result: base },
    ]),
    /b\.json: not a --shard result[^\n]*\nhint: merge the results of every shard of one run, each once/,
  );
});

test('shardPlan: push patterns and cases with fewer connections than shards are refused, all named', async () => {
  const { shardPlan } = await import('./shard.js');
  const { spec } = await import('../../test/fixtures/result.js');
  const plan = {
    name: 'mixed',
    description: '',
    source: 'test',
    cases: [
      spec('rest', 64, { id: 'rest ok' }),
      spec('sse', 64, { id: 'sse push' }),
      spec('grpc', 64, { id: 'grpc few', load: { model: 'closed', connections: 2, inFlight: 1 } }),
    ],
  };
  await assert.rejects(shardPlan(plan, { index: 0, count: 3 }), (e: CommbenchError) => {
    assert.equal(e.code, 'E_USAGE');
    assert.deepEqual(e.details, [
      "sse push: sse pushes to subscribers, which receive every shard's messages",
      'grpc few: 2 connection(s) cannot be split 3 ways',
    ]);
    return true;
  });
  const ok = await shardPlan({ ...plan, cases: [plan.cases[0]!] }, { index: 2, count: 3 });
  assert.deepEqual(ok.cases[0]!.load, { model: 'closed', connections: 16, inFlight: 1 });
  assert.equal(ok.cases[0]!.id, 'rest ok', 'ids unchanged, so merge pairs the shards');
});

test('shardLoad of a ramp: both ends in proportion to the connections; merge sums them back', () => {
  const load: LoadSpec = { model: 'ramp', connections: 5, from: 100, to: 2000, inFlight: 1, maxInFlight: 9 };
  const shares = [0, 1].map((index) => shardLoad(load, { index, count: 2 }));
  assert.deepEqual(shares, [
    { model: 'ramp', connections: 3, from: 60, to: 1200, inFlight: 1, maxInFlight: 5 },
    { model: 'ramp', connections: 2, from: 40, to: 800, inFlight: 1, maxInFlight: 4 },
  ]);
  assert.deepEqual(loadDefinition(load).combine(shares as (typeof load)[]), load);
});
