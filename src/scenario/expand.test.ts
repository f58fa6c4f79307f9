import { patternNames } from '../patterns/registry.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignIds, expandScenario, estimatePlanMs, formatSizeExact } from './expand.js';
import { parseOverrides } from './overrides.js';
import { ScenarioSchema, type Scenario } from './schema.js';

function scenario(input: unknown): Scenario {
  return ScenarioSchema.parse(input);
}

function plan(input: unknown, overrides?: Parameters<typeof parseOverrides>[0]) {
  const s = scenario(input);
  const order = Object.keys((input as { matrix?: object }).matrix ?? {});
  const r = expandScenario(s, {
    matrixOrder: order,
    ...(overrides ? { overrides: parseOverrides(overrides) } : {}),
  });
  assert.deepEqual(r.problems, []);
  return assignIds(r.cases);
}

describe('matrix expansion', () => {
  it('one base case without matrix or cases, with built-in defaults', () => {
    const cases = plan({ defaults: { pattern: 'rest' } });
    assert.equal(cases.length, 1);
    assert.deepEqual(cases[0], {
      id: 'rest',
      pattern: 'rest',
      options: {},
      load: { model: 'closed', connections: 10, inFlight: 1 },
      loadInfo: { label: 'closed c=10×1', schedule: 'closed' },
      payload: { size: 1024, shape: 'mixed' },
      durationMs: 10_000,
      warmupMs: 2000,
      repeat: 1,
      timeoutMs: 5000,
      workers: 1,
      serverDelayMs: 0,
      verifyEvery: 100,
    });
  });

  it('cartesian product in file order, ids with only the varying dimensions', () => {
    const cases = plan({
      defaults: { load: { connections: 50 } },
      matrix: {
        pattern: ['tcp', 'rest', 'grpc'],
        'payload.size': [64, '1KiB', '16KiB'],
        'load.connections': [1, 50],
      },
    });
    assert.equal(cases.length, 18);
    assert.equal(new Set(cases.map((c) => c.id)).size, 18);
    assert.deepEqual(
      cases.slice(0, 3).map((c) => c.id),
      ['tcp c=1 64B', 'tcp c=50 64B', 'tcp c=1 1KiB'],
    );
    assert.ok(cases.some((c) => c.id === 'rest c=50 1KiB'));
    assert.deepEqual(cases[0]?.load, { model: 'closed', connections: 1, inFlight: 1 });
  });

  it('a case that sets a dimension field is not expanded along it', () => {
    const cases = plan({
      defaults: { duration: '1s' },
      matrix: { pattern: ['tcp', 'rest'], 'payload.size': [64, 128] },
      cases: [{}, { pattern: 'rest', label: 'remote', target: 'http://127.0.0.1:8080' }],
    });
    assert.deepEqual(
      cases.map((c) => c.id),
      ['tcp 64B', 'tcp 128B', 'rest 64B', 'rest 128B', 'rest remote 64B', 'rest remote 128B'],
    );
    assert.equal(cases[4]?.target, 'http://127.0.0.1:8080');
  });

  it('load.rate makes the load open; rate cases and closed cases are told apart', () => {
    const cases = plan({
      defaults: { pattern: 'rest', load: { connections: 8, inFlight: 2 } },
      cases: [{}, { label: 'open' }],
      matrix: { 'load.rate': [100, 200] },
    });
    assert.deepEqual(
      cases.map((c) => c.id),
      ['rest 100/s', 'rest 200/s', 'rest open 100/s', 'rest open 200/s'],
    );
    assert.deepEqual(cases[1]?.load, {
      model: 'rate',
      connections: 8,
      rate: 200,
      inFlight: 2,
      maxInFlight: 1000,
    });
  });

  it('defaults merge into cases field by field; options merge deeply per pattern', () => {
    const cases = plan({
      defaults: {
        pattern: 'rest',
        load: { model: 'rate', rate: 1000, maxInFlight: 50 },
        payload: { shape: 'text' },
        options: { rest: { path: '/a' } },
      },
      cases: [
        { load: { connections: 3 }, payload: { size: 10 } },
        { pattern: 'tcp', options: { tcp: { noDelay: false } } },
      ],
    });
    assert.deepEqual(cases[0]?.load, {
      model: 'rate',
      connections: 3,
      rate: 1000,
      inFlight: 1,
      maxInFlight: 50,
    });
    assert.deepEqual(cases[0]?.payload, { size: 10, shape: 'text' });
    assert.deepEqual(cases[0]?.options, { path: '/a' });
    assert.deepEqual(cases[1]?.options, { noDelay: false });
    assert.deepEqual(
      cases.map((c) => c.id),
      ['rest', 'tcp'],
      'the pattern tells them apart: connections and size stay out of the ids',
    );
  });

  it('option values that differ between cases of one pattern go into the id; duplicates get #n', () => {
    const cases = plan({
      defaults: { pattern: 'rest' },
      cases: [{ options: { rest: { path: '/a' } } }, { options: { rest: { path: '/b' } } }, {}, {}],
    });
    assert.deepEqual(
      cases.map((c) => c.id),
      ['rest path=/a', 'rest path=/b', 'rest', 'rest #2'],
    );
  });

  it('reports a case without pattern, and rate model without rate, with their paths', () => {
    const r = expandScenario(
      scenario({ defaults: { load: { model: 'rate' } }, cases: [{ pattern: 'tcp' }, {}] }),
    );
    assert.deepEqual(r.problems, [
      {
        path: ['defaults', 'load', 'model'],
        message: "model 'rate' needs load.rate (operations per second)",
      },
      {
        path: ['cases', 1],
        message: "no pattern: set 'pattern' in this case, in defaults, or as a matrix dimension",
      },
    ]);
  });

  it('a closed case under a load.rate dimension is a conflict', () => {
    const r = expandScenario(
      scenario({
        defaults: { pattern: 'tcp' },
        matrix: { 'load.rate': [1] },
        cases: [{ load: { model: 'closed' } }],
      }),
    );
    assert.deepEqual(
      r.problems.map((p) => p.path),
      [['cases', 0, 'load', 'model']],
    );
  });
});

describe('overrides', () => {
  const base = {
    defaults: { duration: '10s', load: { connections: 50 } },
    matrix: { pattern: ['tcp', 'rest', 'grpc'], 'payload.size': [64, '16KiB'], 'load.connections': [1, 50] },
  };

  it('replace defaults and the matching matrix dimension', () => {
    const cases = plan(base, { payload: '256', connections: '7', duration: '1s', warmup: '0', repeat: 2 });
    assert.equal(cases.length, 3);
    for (const c of cases) {
      assert.equal(c.payload.size, 256);
      assert.equal(c.load.connections, 7);
      assert.equal(c.durationMs, 1000);
      assert.equal(c.warmupMs, 0);
      assert.equal(c.repeat, 2);
    }
    assert.deepEqual(
      cases.map((c) => c.id),
      ['tcp', 'rest', 'grpc'],
    );
  });

  it('--rate switches every case to the rate model, over a case that says closed', () => {
    const cases = plan(
      {
        defaults: { pattern: 'tcp', load: { model: 'closed', inFlight: 4 } },
        cases: [{ load: { model: 'closed' } }],
      },
      { rate: '500' },
    );
    assert.deepEqual(cases[0]?.load, {
      model: 'rate',
      connections: 10,
      rate: 500,
      inFlight: 4,
      maxInFlight: 1000,
    });
  });

  it('invalid overrides: E_USAGE listing every problem', () => {
    assert.throws(
      () =>
        parseOverrides({
          duration: '10 secs',
          connections: '0',
          payload: 'huge',
          pattern: ['rest,pigeon'],
          target: { nope: 'http://x', rest: 'not a url' },
        }),
      (err: unknown) => {
        const e = err as { code: string; details: string[] };
        assert.equal(e.code, 'E_USAGE');
        assert.equal(e.details.length, 6);
        assert.match(
          e.details[0] ?? '',
          /^--duration '10 secs': invalid duration '10 secs': expected a duration such as '10s'/,
        );
        assert.ok(
          e.details.includes(`--pattern: unknown pattern 'pigeon'; valid: ${patternNames.join(', ')}`),
        );
        assert.match(e.details.join('\n'), /--target rest=not a url: invalid URL/);
        return true;
      },
    );
  });
});

describe('helpers', () => {
  it('formats sizes exactly for ids', () => {
    assert.deepEqual([64, 1024, 1500, 16384, 1048576].map(formatSizeExact), [
      '64B',
      '1KiB',
      '1500B',
      '16KiB',
      '1MiB',
    ]);
  });

  it('estimates the wall time of a plan', () => {
    const cases = plan({
      defaults: { duration: '5s', warmup: '1s', repeat: 2 },
      matrix: { pattern: ['tcp', 'rest'] },
    });
    assert.equal(estimatePlanMs({ cases }), 2 * (2 * 6000 + 500));
  });
});
