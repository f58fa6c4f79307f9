import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCase } from '../../src/engine/runner.js';
import { caseSpec } from './helpers.js';

/**
 * The engine's numbers checked against real servers whose behaviour we control: an injected
 * service delay must read back as that delay, and a server frozen for a second during an
 * open-loop run must show in the corrected p99 but not in the service times.
 */
describe('ground truth', () => {
  it('a server that adds 20 ms reads back with p50 within 3% of 20 ms', async () => {
    const result = await runCase(
      caseSpec({
        pattern: 'rest',
        serverDelayMs: 20,
        durationMs: 2000,
        load: { model: 'closed', connections: 4, inFlight: 1 },
      }),
    );
    assert.equal(result.status, 'ok', result.error?.message);
    const s = result.summary;
    assert.ok(s);
    assert.equal(s.errors.total, 0);
    assert.ok(s.latency.p50 >= 20_000 && s.latency.p50 <= 20_600, `p50 ${s.latency.p50}µs`);
    // 4 connections each completing one op per ~20 ms: ~200 ops/s.
    assert.ok(s.throughput > 180 && s.throughput <= 200, `throughput ${s.throughput}`);
  });

  it('a server frozen (SIGSTOP) for 1 s in a 10 s open-loop run shows in p99, not in service time', async () => {
    let freeze: NodeJS.Timeout | undefined;
    const result = await runCase(
      caseSpec({
        pattern: 'rest',
        warmupMs: 500,
        durationMs: 10_000,
        load: { model: 'rate', rate: 300, connections: 10, inFlight: 1, maxInFlight: 10_000 },
      }),
      {
        hooks: {
          serverStarted(_spec, server) {
            freeze = setTimeout(() => {
              process.kill(server.pid, 'SIGSTOP');
              setTimeout(() => process.kill(server.pid, 'SIGCONT'), 1000);
            }, 4500);
          },
        },
      },
    );
    clearTimeout(freeze);
    assert.equal(result.status, 'ok', result.error?.message);
    const s = result.summary;
    assert.ok(s);
    assert.equal(s.dropped, 0);
    assert.equal(s.errors.total, 0);
    assert.ok(Math.abs(s.throughput - 300) < 10, `throughput ${s.throughput}`);
    // ~300 of ~3000 operations were due during the freeze, waiting up to 1 s: p99 ≈ 0.9 s.
    assert.ok(s.latency.p99 > 700_000 && s.latency.p99 < 1_300_000, `corrected p99 ${s.latency.p99}µs`);
    assert.ok(s.latency.max > 950_000, `corrected max ${s.latency.max}µs`);
    // Only the 10 requests on the wire at the freeze saw it as service time.
    assert.ok(s.service.p99 < 200_000 && s.service.p99 * 4 < s.latency.p99, `service p99 ${s.service.p99}µs`);
    const worst = Math.max(...s.timeline.map((p) => p.p99));
    assert.ok(worst > 700_000, 'the freeze shows in the per-second timeline');
  });
});
