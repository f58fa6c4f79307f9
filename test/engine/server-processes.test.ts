import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCase } from '../../src/engine/runner.js';
import { processFootprint } from '../../src/proc/usage.js';
import { caseSpec, processAlive } from './helpers.js';

describe('server processes', () => {
  it('hold their share of the connections each, on their own ports; descriptors and memory are summed', async () => {
    let pids: readonly number[] = [];
    let urls: readonly string[] = [];
    const before = new Map<number, number>();
    const during = new Map<number, number>();
    const result = await runCase(
      caseSpec({
        pattern: 'tcp',
        load: { model: 'connections', connections: 300, inFlight: 1 },
        serverProcesses: 3,
        warmupMs: 0,
        durationMs: 2500,
      }),
      {
        hooks: {
          serverStarted(_spec, server) {
            const group = server as typeof server & { pids: readonly number[]; urls: readonly string[] };
            pids = group.pids;
            urls = group.urls;
            for (const pid of pids) before.set(pid, processFootprint(pid)?.fds ?? 0);
            // Opening 300 takes well under the 2.5 s hold here; read each process's descriptors in it.
            setTimeout(() => {
              for (const pid of pids) during.set(pid, processFootprint(pid)?.fds ?? 0);
            }, 2000);
          },
        },
      },
    );
    assert.equal(result.status, 'ok', JSON.stringify(result.error));
    assert.equal(pids.length, 3);
    assert.equal(new Set(urls.map((u) => new URL(u).port)).size, 3, 'three ports');
    for (const pid of pids) {
      const grew = (during.get(pid) ?? 0) - (before.get(pid) ?? 0);
      assert.ok(grew >= 95 && grew <= 110, `server ${pid} took ${grew} descriptors, expected its 100`);
    }
    const cost = result.repetitions[0]?.connections;
    assert.equal(cost?.opened, 300);
    const perConnection = cost?.server?.fdsPerConnection ?? 0;
    assert.ok(perConnection >= 0.9 && perConnection <= 1.2, `fds per connection ${perConnection}`);
    assert.ok((cost?.server?.fdsAfter ?? 0) - (cost?.server?.fdsBefore ?? 0) >= 290, 'summed over all three');
    for (const pid of pids) assert.equal(processAlive(pid), false, `server ${pid} is gone`);
  });

  it("take a closed loop's connections in turn (connection i to server i mod N)", async () => {
    let pids: readonly number[] = [];
    const before = new Map<number, number>();
    const during = new Map<number, number>();
    const result = await runCase(
      caseSpec({
        pattern: 'tcp',
        load: { model: 'closed', connections: 8, inFlight: 1 },
        serverProcesses: 2,
        warmupMs: 200,
        durationMs: 1000,
      }),
      {
        hooks: {
          serverStarted(_spec, server) {
            pids = (server as typeof server & { pids: readonly number[] }).pids;
            for (const pid of pids) before.set(pid, processFootprint(pid)?.fds ?? 0);
          },
          tick() {
            for (const pid of pids) during.set(pid, processFootprint(pid)?.fds ?? 0);
          },
        },
      },
    );
    assert.equal(result.status, 'ok', JSON.stringify(result.error));
    const m = result.repetitions[0];
    assert.ok((m?.ops ?? 0) > 0);
    assert.equal(m?.errors.total, 0);
    for (const pid of pids)
      assert.equal((during.get(pid) ?? 0) - (before.get(pid) ?? 0), 4, `server ${pid} holds 4 of 8`);
  });

  it('held connections split over driver processes too: each holds its share, the figures add up', async () => {
    let serverPids: readonly number[] = [];
    const result = await runCase(
      caseSpec({
        pattern: 'websocket',
        options: { mode: 'broadcast' },
        load: { model: 'connections', connections: 400, inFlight: 1 },
        processes: 2,
        serverProcesses: 2,
        warmupMs: 0,
        durationMs: 500,
      }),
      {
        hooks: {
          serverStarted(_spec, server) {
            serverPids = (server as typeof server & { pids: readonly number[] }).pids;
          },
        },
      },
    );
    assert.equal(result.status, 'ok', JSON.stringify(result.error));
    const m = result.repetitions[0];
    const cost = m?.connections;
    assert.equal(cost?.opened, 400);
    assert.equal(cost?.subscriptions, true);
    assert.equal(m?.driver.processes, 2);
    assert.match(cost?.note ?? '', /held by 2 driver processes.*served by 2 server processes/);
    const perConnection = cost?.server?.fdsPerConnection ?? 0;
    assert.ok(perConnection >= 0.9 && perConnection <= 1.2, `fds per connection ${perConnection}`);
    assert.equal(m?.latency.count, 400, 'every opening timed, across both processes');
    // One publish to each server process reaches every subscriber in every driver process.
    const b = cost?.broadcast;
    assert.equal(b?.subscribers, 400);
    assert.equal(b?.received, 400, 'nothing lost');
    assert.ok((b?.p50Us ?? 0) > 0 && (b?.p50Us ?? 0) <= (b?.p99Us ?? 0), JSON.stringify(b));
    assert.ok((b?.p99Us ?? 0) <= (b?.lastUs ?? 0) * 1.01 && (b?.lastUs ?? 0) < 10_000_000, JSON.stringify(b));
    for (const pid of serverPids) assert.equal(processAlive(pid), false);
  });

  it('held subscriptions in one process get the broadcast too (fan-out to the last receipt)', async () => {
    const result = await runCase(
      caseSpec({
        pattern: 'websocket',
        options: { mode: 'broadcast' },
        load: { model: 'connections', connections: 200, inFlight: 1 },
        warmupMs: 0,
        durationMs: 300,
      }),
    );
    assert.equal(result.status, 'ok', JSON.stringify(result.error));
    const b = result.repetitions[0]?.connections?.broadcast;
    assert.equal(b?.received, 200, JSON.stringify(b));
    assert.ok((b?.lastUs ?? 0) >= (b?.p50Us ?? 0) && (b?.p50Us ?? 0) > 0, JSON.stringify(b));
  });
});
