/** mergeMeasurements on connection-cost repetitions: opened per second of opening, the cost block kept. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeMeasurements } from '../../src/engine/aggregate.js';
import type { ConnectionCost, Measurement } from '../../src/result/types.js';
import { measurement } from '../fixtures/result.js';

function holdRep(repetition: number, opened: number, openMs: number, rssPerConn: number): Measurement {
  const m = measurement({
    repetition,
    throughput: 0,
    durationMs: 10_000,
    p50: 900,
    payload: 0,
    wire: 0,
    driverCpuUsPerOp: 3,
  });
  const connections: ConnectionCost = {
    requested: 1000,
    opened,
    failed: 1000 - opened,
    ...(opened < 1000 ? { failure: 'connect ECONNREFUSED' } : {}),
    subscriptions: false,
    openMs,
    concurrency: 100,
    heldOpen: opened,
    server: {
      rssBeforeBytes: 50e6,
      rssAfterBytes: 50e6 + rssPerConn * opened,
      rssPerConnectionBytes: rssPerConn,
      fdsBefore: 20,
      fdsAfter: 20 + opened,
      fdsPerConnection: 1,
    },
    driverRssPerConnectionBytes: 2_000,
    fdLimit: 65_536,
  };
  // As holdConnections reports it: throughput = opened per second of opening; durationMs = the hold.
  return { ...m, ops: opened, throughput: opened / (openMs / 1000), connections };
}

test('connection cost with repeat 2: opened per second of opening, not per second held; the block kept', () => {
  const reps = [holdRep(0, 1000, 1000 / 0.6, 10_000), holdRep(1, 500, 500 / 0.6, 16_000)];
  assert.equal(Math.round(reps[0]!.throughput), 600);
  const merged = mergeMeasurements(reps)!;
  assert.equal(Math.round(merged.throughput), 600, 'each repetition opened 600/s');
  const c = merged.connections;
  assert.ok(c, 'the connection-cost block survives the merge');
  assert.equal(c.opened, 1500);
  assert.equal(c.requested, 2000);
  assert.equal(c.failed, 500);
  assert.equal(c.failure, 'connect ECONNREFUSED');
  assert.equal(Math.round(c.openMs), 2500);
  assert.equal(
    c.server?.rssPerConnectionBytes,
    12_000,
    'weighted by connections opened: (1000×10k + 500×16k) / 1500',
  );
  assert.equal(c.server?.fdsPerConnection, 1);
  assert.equal(c.driverRssPerConnectionBytes, 2_000);
  assert.equal(mergeMeasurements([reps[0]!])!.connections, reps[0]!.connections, 'one repetition: as is');
});
