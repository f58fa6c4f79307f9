import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { isCommbenchError } from '../../src/errors.js';
import { runCase, runPlan } from '../../src/engine/runner.js';
import { startServerProcess } from '../../src/engine/server-host.js';
import { caseSpec, processAlive } from './helpers.js';

describe('engine under failure', () => {
  it('records a server crash mid-run with its partial measurement, and goes on to the next case', async () => {
    const pids: number[] = [];
    const result = await runPlan(
      {
        name: 'crash',
        description: '',
        source: 'test',
        cases: [caseSpec({ id: 'crashes', durationMs: 3000 }), caseSpec({ id: 'after', durationMs: 500 })],
      },
      {
        hooks: {
          serverStarted(spec, server) {
            pids.push(server.pid);
            if (spec.id === 'crashes') setTimeout(() => process.kill(server.pid, 'SIGKILL'), 1200);
          },
        },
      },
    );
    const [crashed, after] = result.cases;
    assert.equal(crashed?.status, 'server-crashed');
    assert.equal(crashed?.error?.code, 'E_SERVER_CRASHED');
    assert.match(crashed?.error?.message ?? '', /SIGKILL/);
    const partial = crashed?.repetitions[0];
    assert.ok(partial, 'the partial repetition is kept');
    assert.equal(partial.endReason, 'server-crashed');
    assert.ok(partial.ops > 0);
    assert.ok(partial.durationMs > 500 && partial.durationMs < 1500, `window ${partial.durationMs}ms`);
    assert.equal(after?.status, 'ok');
    assert.equal(result.endReason, 'completed');
    for (const pid of pids) assert.equal(processAlive(pid), false, `server ${pid} is gone`);
  });

  it('stops within a second on abort, keeps the partial result and leaves no server behind', async () => {
    const abort = new AbortController();
    let pid = 0;
    const started = Date.now();
    setTimeout(() => abort.abort('interrupted'), 1200);
    const result = await runPlan(
      {
        name: 'interrupt',
        description: '',
        source: 'test',
        cases: [caseSpec({ id: 'a', durationMs: 10_000 }), caseSpec({ id: 'b' })],
      },
      {
        signal: abort.signal,
        hooks: {
          serverStarted(_spec, server) {
            pid = server.pid;
          },
        },
      },
    );
    assert.ok(Date.now() - started < 2500, `stopped after ${Date.now() - started}ms`);
    assert.equal(result.endReason, 'interrupted');
    assert.equal(result.cases.length, 1, 'the case not started is not reported as run');
    const c = result.cases[0];
    assert.equal(c?.status, 'interrupted');
    assert.ok((c?.summary?.ops ?? 0) > 0, 'what was measured is kept');
    assert.equal(c?.summary?.errors.total, 0, 'operations cut short by the interrupt are not errors');
    assert.equal(processAlive(pid), false);
  });

  it('fails a case clearly when its target is unreachable', async () => {
    const result = await runCase(caseSpec({ target: 'tcp://127.0.0.1:1' }));
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'E_TARGET_UNREACHABLE');
    assert.match(result.error?.message ?? '', /127\.0\.0\.1:1/);
  });

  it('reports a port in use as an environment error with a hint', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(
        startServerProcess({ pattern: 'tcp', options: {}, host: '127.0.0.1', port, delayMs: 0 }),
        (err) =>
          isCommbenchError(err) &&
          err.code === 'E_PORT_IN_USE' &&
          err.exitCode === 4 &&
          /ss -ltnp/.test(err.hint ?? ''),
      );
    } finally {
      blocker.close();
    }
  });
});

describe('repetitions', () => {
  it('run in rounds across cases and are kept separately', async () => {
    const order: string[] = [];
    const result = await runPlan(
      {
        name: 'rounds',
        description: '',
        source: 'test',
        cases: [
          caseSpec({ id: 'a', repeat: 2, durationMs: 300, warmupMs: 100 }),
          caseSpec({ id: 'b', repeat: 2, durationMs: 300, warmupMs: 100 }),
        ],
      },
      { hooks: { caseStarted: (spec, _i, _n, repetition) => order.push(`${spec.id}${repetition}`) } },
    );
    assert.deepEqual(order, ['a0', 'b0', 'a1', 'b1']);
    for (const c of result.cases) {
      assert.equal(c.status, 'ok');
      assert.deepEqual(
        c.repetitions.map((r) => r.repetition),
        [0, 1],
      );
      assert.equal(c.summary?.ops, (c.repetitions[0]?.ops ?? 0) + (c.repetitions[1]?.ops ?? 0));
    }
  });
});

describe('worker-thread drivers', () => {
  it('split the connections and merge their histograms exactly', async () => {
    const result = await runCase(
      caseSpec({ workers: 2, load: { model: 'closed', connections: 4, inFlight: 1 }, durationMs: 1000 }),
    );
    assert.equal(result.status, 'ok', result.error?.message);
    const s = result.summary;
    assert.ok(s);
    assert.equal(s.driver.workers, 2);
    // ops count completions inside the window; the histograms hold the operations due in it. They
    // differ by what was in flight at the window's edges: at most one operation per connection.
    const inFlightAtEdges = 4;
    assert.ok(
      Math.abs(s.latency.count - s.ops) <= inFlightAtEdges,
      `merged histogram holds every operation: ${s.latency.count} vs ${s.ops}`,
    );
    assert.equal(s.service.count, s.latency.count);
    assert.equal(
      s.timeline.reduce((a, p) => a + p.ops, 0),
      s.ops,
      'timeline accounts for every operation',
    );
    assert.ok(s.wire.perOp > 0.95 * s.payload.perOp, 'wire bytes seen in the workers');
  });

  it('offer the rate model at the total rate, and report what the server completed', async () => {
    // 4 connections × 1 in flight × a 20 ms server delay: the server completes at most 200/s.
    const result = await runCase(
      caseSpec({
        workers: 2,
        durationMs: 2000,
        serverDelayMs: 20,
        load: { model: 'rate', rate: 400, connections: 4, inFlight: 1, maxInFlight: 1000 },
      }),
    );
    const s = result.summary;
    assert.ok(s);
    assert.ok(Math.abs(s.sent + s.dropped - 800) <= 2, `offered ${s.sent + s.dropped} of 800`);
    assert.ok(s.throughput <= 205 && s.throughput > 150, `throughput ${s.throughput}`);
    assert.equal(s.verdict.limit, 'SERVER-LIMITED', s.verdict.why);
  });

  it('count operations still pending at the drain deadline as timeouts, not connection errors', async () => {
    let freeze: NodeJS.Timeout | undefined;
    let pid = 0;
    const result = await runCase(
      caseSpec({
        warmupMs: 300,
        durationMs: 500,
        timeoutMs: 200,
        load: { model: 'rate', rate: 40, connections: 1, inFlight: 1, maxInFlight: 1000 },
      }),
      {
        hooks: {
          serverStarted(_spec, server) {
            pid = server.pid;
            // Frozen from the warm-up on: every measured operation times out or waits in the backlog.
            freeze = setTimeout(() => process.kill(server.pid, 'SIGSTOP'), 150);
          },
        },
      },
    );
    clearTimeout(freeze);
    if (pid > 0 && processAlive(pid)) process.kill(pid, 'SIGCONT');
    const s = result.summary;
    assert.ok(s);
    assert.equal(s.errors.connection, 0, `connection errors: ${s.errorSamples.connection}`);
    assert.equal(s.errors.total, s.errors.timeout);
    assert.ok(s.errors.timeout >= 19, `timeouts ${s.errors.timeout}`);
    assert.equal(s.failedLatency?.count, s.errors.total, 'failed operations keep their latency');
  });
});
