import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommbenchError } from '../errors.js';
import { makeRecord } from '../message.js';
import { bounds, caseLimitProblems, maxSockets, type MachineLimits } from './limits.js';
import { planFromText } from './load.js';
import { parseOverrides } from './overrides.js';
import { Rate } from './schema.js';
import type { CaseSpec } from '../plan/types.js';
import { caseSpec } from '../../test/engine/helpers.js';

const small: MachineLimits = {
  openFiles: 1024,
  ephemeralPorts: 28_232,
  memoryBytes: 8 * 1024 ** 3,
  cores: 2,
};

async function problems(text: string, limits = small, overrides?: Parameters<typeof parseOverrides>[0]) {
  try {
    await planFromText(text, { file: 'x.yaml' }, overrides ? parseOverrides(overrides) : undefined, {
      limits,
    });
  } catch (err) {
    assert.ok(err instanceof CommbenchError, String(err));
    return { code: err.code, lines: [err.message, ...err.details] };
  }
  assert.fail('expected the plan to be refused');
}

describe('machine limits', () => {
  it('connections beyond the open-file limit name ulimit -n; beyond the ports, the port range', () => {
    assert.equal(maxSockets(small).max, 1024 - 256);
    const [p] = caseLimitProblems(spec({ connections: 2000 }), small);
    assert.equal(p?.field, 'load.connections');
    assert.match(
      p?.message ?? '',
      /at most 768, because the open-file limit is 1024 per process \(ulimit -n/,
    );
    const wide = { ...small, openFiles: 1_000_000 };
    // Loopback connections spread over 127.0.0.x source addresses: the ports bind only past 254 of them.
    assert.deepEqual(caseLimitProblems(spec({ connections: 30_000 }), wide), []);
    assert.match(
      caseLimitProblems(spec({ connections: 30_000, target: 'tcp://10.1.2.3:9000' }), wide)[0]?.message ?? '',
      /at most 28232, because one source address has 28232 source ports/,
    );
    assert.deepEqual(caseLimitProblems(spec({ connections: 700 }), small), []);
  });

  it('the open-file message names driver processes; processes lift the driver side of it', () => {
    const box: MachineLimits = {
      ...small,
      openFiles: 20_000,
      openFilesFixed: true,
      memoryBytes: 24 * 1024 ** 3,
    };
    const target = 'ws://127.0.0.1:9000';
    const one = caseLimitProblems(spec({ connections: 50_000, target }), box)[0]?.message ?? '';
    assert.match(one, /at most 19744, because the open-file limit is 20000 per process .*CAP_SYS_RESOURCE/);
    assert.match(one, /the driver is one process: processes: auto spreads it/);
    assert.deepEqual(caseLimitProblems(spec({ connections: 50_000, target, processes: 'auto' }), box), []);
    const two = caseLimitProblems(spec({ connections: 50_000, target, processes: 2 }), box)[0]?.message ?? '';
    assert.match(two, /at most 39488, .*the driver runs in 2 processes: more with processes: N or auto/);
    const started =
      caseLimitProblems(spec({ connections: 50_000, processes: 'auto' }), box)[0]?.message ?? '';
    assert.match(started, /at most 19744, .*the started server is one process: server.processes spreads it/);
    const both = caseLimitProblems(
      { ...spec({ connections: 100_000, processes: 'auto' }), serverProcesses: 3 },
      box,
    )[0]?.message;
    assert.match(both ?? '', /at most 59232, .*the server runs in 3 processes: more with server.processes/);
    assert.deepEqual(
      caseLimitProblems({ ...spec({ connections: 100_000, processes: 'auto' }), serverProcesses: 6 }, box),
      [],
    );
  });

  it('the driver memory estimate refuses connections × inFlight × payload beyond half the memory', () => {
    const p = caseLimitProblems(spec({ connections: 500, inFlight: 100, size: 1024 * 1024 }), {
      ...small,
      openFiles: 100_000,
    });
    assert.equal(p[0]?.field, 'payload.size');
    assert.match(
      p[0]?.message ?? '',
      /the driver would need about \d+GiB .*at most half of this machine's 8\.0GiB/,
    );
  });

  it('a problem is located where the value was set: a case, the matrix, or the flag', async () => {
    const inCase = await problems(
      'defaults: { pattern: rest }\ncases:\n  - { load: { connections: 5000 } }\n',
    );
    assert.match(inCase.lines.join('\n'), /x\.yaml:3:\d+: cases\[0\]\.load\.connections: 5000 connections/);
    const inMatrix = await problems('defaults: { pattern: rest }\nmatrix:\n  load.connections: [1, 5000]\n');
    assert.match(inMatrix.lines.join('\n'), /x\.yaml:3:\d+: matrix\.load\.connections: 5000 connections/);
    const byFlag = await problems('defaults: { pattern: rest }\n', small, { connections: '5000' });
    assert.equal(byFlag.code, 'E_USAGE');
    assert.match(
      byFlag.lines.join('\n'),
      /--connections: 5000 connections is more than this machine can open/,
    );
  });

  it('workers are refused where they would be ignored: more than connections, or a push pattern', async () => {
    const r = await problems(
      'defaults: { workers: 4, load: { connections: 2 } }\ncases:\n  - { pattern: rest }\n  - { pattern: sse, load: { connections: 8 } }\n',
    );
    const text = r.lines.join('\n');
    assert.match(text, /x\.yaml:1:\d+: defaults\.workers: 4 workers for 2 connections/);
    assert.match(
      text,
      /x\.yaml:1:\d+: defaults\.workers: 4 workers for sse: push and queue patterns run .* workers must be 1/,
    );
  });

  it('a matrix that multiplies past the case bound is refused before it is built', async () => {
    const values = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(', ')}]`;
    const r = await problems(
      `defaults: { pattern: rest }\nmatrix:\n  load.connections: ${values(100)}\n  load.inFlight: ${values(100)}\n  workers: ${values(2)}\n`,
    );
    assert.match(r.lines.join('\n'), /matrix: expands to 20,000 cases; at most 10,000/);
  });
});

describe('one parser for flags and file values', () => {
  it("a rate is 2000 or '2000/s' in both", async () => {
    assert.equal(Rate.parse('2000/s'), 2000);
    assert.equal(Rate.parse(2000), 2000);
    const fromFlag = parseOverrides({ rate: '2000/s' }).fields.load;
    assert.deepEqual(fromFlag, { model: 'rate', rate: 2000 });
    const plan = await planFromText("defaults: { pattern: rest, load: { rate: '2000/s' } }\n", {
      file: 'x.yaml',
    });
    assert.equal(plan.cases[0]?.load.model === 'rate' && plan.cases[0].load.rate, 2000);
  });

  it('flags get the same bounds and messages as the file fields', () => {
    assert.throws(
      () => parseOverrides({ connections: '1e9', payload: '4GiB', repeat: '1e12', workers: '100000' }),
      (err: CommbenchError) => {
        assert.equal(err.code, 'E_USAGE');
        assert.deepEqual(err.details, [
          "--connections '1e9': must be <= 100000, got 1000000000",
          "--payload '4GiB': must be at most 8MiB, got 4GiB",
          "--repeat '1e12': must be <= 1000, got 1000000000000",
          "--workers '100000': must be <= 64, got 100000",
        ]);
        return true;
      },
    );
  });

  it('a bare-number duration is valid but warned about, in the file and on the command line', async () => {
    const warnings: string[] = [];
    await planFromText(
      'defaults: { pattern: rest, duration: 10, warmup: 0 }\n',
      { file: 'x.yaml' },
      parseOverrides({ timeout: '5000' }, (w) => warnings.push(w)),
      { warn: (w) => warnings.push(w) },
    );
    assert.deepEqual(warnings, [
      "--timeout 5000: a bare number means milliseconds (5000ms); write '5000ms' to keep it, or '5000s' for seconds",
      "warning: x.yaml:1:38: defaults.duration: a bare number means milliseconds (10ms); write '10ms' to keep it, or '10s' for seconds",
    ]);
  });
});

describe('payloads', () => {
  it('a 1 MiB payload builds in well under a second (it took seconds: the size was recomputed per item)', () => {
    const started = performance.now();
    makeRecord(1024 * 1024, 'mixed');
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `took ${Math.round(ms)} ms`);
    assert.ok(bounds.payloadSize >= 1024 * 1024);
  });
});

function spec(o: {
  connections: number;
  inFlight?: number;
  size?: number;
  target?: string;
  processes?: number | 'auto';
}): CaseSpec {
  return caseSpec({
    pattern: 'rest',
    load: { model: 'closed', connections: o.connections, inFlight: o.inFlight ?? 1 },
    payload: { size: o.size ?? 1024, shape: 'mixed' },
    ...(o.target === undefined ? {} : { target: o.target }),
    ...(o.processes === undefined ? {} : { processes: o.processes }),
  });
}
