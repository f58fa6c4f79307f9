import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DriverSpec } from '../../src/engine/driver.js';
import { measure } from '../../src/engine/measure.js';
import { driverProcesses } from '../../src/engine/process-count.js';
import { connectProcessDrivers } from '../../src/engine/processes.js';
import { runCase } from '../../src/engine/runner.js';
import { startServerProcess } from '../../src/engine/server-host.js';
import { splitSpec } from '../../src/engine/workers.js';
import { epochNow } from '../../src/engine/clock.js';
import { createHistogram, decodeHistogram, summarizeHistogram } from '../../src/metrics/histogram.js';
import { processTree } from '../../src/proc/usage.js';
import { caseSpec, processAlive } from './helpers.js';

const rateLoad = { model: 'rate', rate: 1000, connections: 7, inFlight: 1, maxInFlight: 1000 } as const;

function spec(url: string, load: DriverSpec['load'] = rateLoad): DriverSpec {
  return {
    pattern: 'tcp',
    options: {},
    url,
    load,
    payload: { size: 64, shape: 'mixed' },
    timeoutMs: 2000,
    verifyEvery: 10,
    warmupMs: 200,
    durationMs: 800,
    connectionOffset: 0,
  };
}

/** This process's driver children (their command line names the driver-process entry). */
function driverChildren(): number[] {
  return processTree(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('driver-process');
    } catch {
      return false;
    }
  });
}

describe('driver processes', () => {
  it('split connections and rate into shares that sum exactly, numbered without overlap', () => {
    const shares = splitSpec(spec('tcp://127.0.0.1:1'), 3);
    assert.deepEqual(
      shares.map((s) => s.load.connections),
      [3, 2, 2],
    );
    const rates = shares.map((s) => (s.load.model === 'rate' ? s.load.rate : NaN));
    assert.ok(Math.abs(rates.reduce((a, b) => a + b, 0) - 1000) < 1e-9, `rates ${rates.join(' + ')}`);
    assert.deepEqual(
      shares.map((s) => s.connectionOffset),
      [0, 3, 5],
    );
  });

  it("'auto' asks for as many processes as the hard open-file limit needs for the sockets", () => {
    assert.equal(driverProcesses('auto', { connections: 100_000 }, 20_000), 6);
    assert.equal(driverProcesses('auto', { connections: 19_000 }, 20_000), 1);
    assert.equal(driverProcesses('auto', { connections: 19_000, subscribers: 19_000 }, 20_000), 2);
    assert.equal(driverProcesses(8, { connections: 3 }), 3, 'at most one per connection');
    assert.equal(driverProcesses(undefined, { connections: 3 }), 1);
  });

  it('run from one start time, and their merged histograms equal the union of theirs', async () => {
    const server = await startServerProcess({
      pattern: 'tcp',
      options: {},
      host: '127.0.0.1',
      port: 0,
      delayMs: 0,
    });
    try {
      const group = await connectProcessDrivers(splitSpec(spec(server.url), 3));
      assert.equal(new Set(group.pids).size, 3);
      assert.ok(!group.pids.includes(process.pid));
      const { reports, crash } = await group.run(epochNow() + 100);
      assert.equal(crash, undefined);
      assert.equal(reports.length, 3);
      const m = measure(0, rateLoad, reports, { driverCpuUs: 0, workers: 1, processes: 3 });
      const union = createHistogram();
      for (const r of reports) union.add(decodeHistogram(r.latency));
      const expected = summarizeHistogram(union);
      const counts = reports.map((r) => decodeHistogram(r.latency).totalCount);
      assert.ok(
        counts.every((c) => c > 0),
        `every process measured: ${counts.join(', ')}`,
      );
      assert.equal(
        m.latency.count,
        counts.reduce((a, b) => a + b, 0),
      );
      for (const k of ['p50', 'p90', 'p99', 'p999', 'max', 'min'] as const)
        assert.equal(m.latency[k], expected[k], k);
      // 1000/s over a 0.8 s window, sent by three processes on one schedule.
      assert.ok(Math.abs(m.sent - 800) <= 12, `sent ${m.sent}`);
      assert.equal(m.driver.processes, 3);
      assert.deepEqual(driverChildren(), [], 'the processes are gone after the run');
    } finally {
      await server.stop();
    }
  });

  it('a driver process killed mid-window fails the case, keeps what the others measured, leaves nothing running', async () => {
    let serverPid = 0;
    let killed = 0;
    let drivers: number[] = [];
    const result = await runCase(
      caseSpec({
        processes: 2,
        load: { model: 'closed', connections: 4, inFlight: 1 },
        warmupMs: 200,
        durationMs: 3000,
      }),
      {
        hooks: {
          serverStarted(_spec, server) {
            serverPid = server.pid;
          },
          tick(_spec, progress) {
            if (killed !== 0 || progress.phase !== 'measure') return;
            drivers = driverChildren();
            killed = drivers[0] ?? -1;
            if (killed > 0) process.kill(killed, 'SIGKILL');
          },
        },
      },
    );
    assert.equal(drivers.length, 2, 'two driver processes ran');
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'E_RUN_FAILED');
    assert.match(result.error?.message ?? '', /driver process \d \(pid \d+\) exited \(SIGKILL\)/);
    const partial = result.repetitions[0];
    assert.ok(partial, 'the partial repetition is kept');
    assert.equal(partial.endReason, 'failed');
    assert.ok(partial.ops > 0, 'the surviving process measured');
    assert.ok(partial.durationMs < 2500, `window cut short: ${partial.durationMs} ms`);
    for (const pid of [...drivers, serverPid]) assert.equal(processAlive(pid), false, `${pid} is gone`);
  });

  it('a driver process that stops answering (SIGSTOP) is a crash once its report is overdue', async () => {
    let stopped = 0;
    let drivers: number[] = [];
    const started = Date.now();
    const result = await runCase(
      caseSpec({
        processes: 2,
        load: { model: 'closed', connections: 4, inFlight: 1 },
        warmupMs: 200,
        durationMs: 1000,
        timeoutMs: 1000,
      }),
      {
        hooks: {
          tick(_spec, progress) {
            if (stopped !== 0 || progress.phase !== 'measure') return;
            drivers = driverChildren();
            stopped = drivers[0] ?? -1;
            if (stopped > 0) process.kill(stopped, 'SIGSTOP');
          },
        },
      },
    );
    const tookMs = Date.now() - started;
    assert.equal(result.status, 'failed');
    assert.match(result.error?.message ?? '', /did not report within 7 s of the start/);
    assert.ok(tookMs < 15_000, `gave up after ${tookMs} ms`);
    const partial = result.repetitions[0];
    assert.ok(partial && partial.ops > 0, 'the other process reported');
    for (const pid of drivers) assert.equal(processAlive(pid), false, `${pid} is gone`);
  });
});
