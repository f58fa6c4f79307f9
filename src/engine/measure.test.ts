import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpError } from '../toolkit/contract.js';
import type { LoadSpec } from '../plan/types.js';
import type { DriverReport } from './driver.js';
import { mergeMeasurements } from './aggregate.js';
import { measure, type WindowUsage } from './measure.js';
import { Recorder } from './recorder.js';
import { windowCounters } from './runner.js';

const rate: LoadSpec = { model: 'rate', rate: 1000, connections: 4, inFlight: 1, maxInFlight: 10_000 };
const usage: WindowUsage = { driverCpuUs: 400_000, workers: 1 };

function report(r: Recorder, measuredMs: number): DriverReport {
  return {
    ...r.snapshot(measuredMs),
    endReason: 'completed',
    measuredMs,
    payload: { request: 0, response: 0, ops: 0 },
    wire: { read: 0, written: 0 },
    eventLoopDelay: { p50: 0, p99: 0, max: 0 },
    eventLoopUtilization: 0.5,
  };
}

/** 1000/s for 1 s; from t=500 every op waits `queuedMs` for a connection or is `lateMs` late to send. */
function run(opts: { queuedMs?: number; lateMs?: number; serviceMs?: number }): Recorder {
  const r = new Recorder(0, 1000, true);
  for (let i = 0; i < 1000; i++) {
    const due = i;
    const stalled = due >= 500;
    const queued = stalled ? (opts.queuedMs ?? 0) : 0;
    const sentAt = due + queued + (stalled ? (opts.lateMs ?? 0) : 0);
    r.started(due, sentAt, false, queued);
    r.ok(due, sentAt, sentAt + (opts.serviceMs ?? 1));
  }
  return r;
}

describe('measure', () => {
  it('throughput and CPU/op count completions inside the window; the drain is apart', () => {
    // From t=500 every operation waits 300 ms: those due after t=699 complete after the window.
    const m = measure(0, rate, [report(run({ queuedMs: 300 }), 1000)], usage);
    assert.equal(m.ops, 700, 'completions in [0, 1000]');
    assert.equal(m.drained, 300, 'due in the window, completed after it');
    assert.equal(m.throughput, 700);
    assert.equal(m.driver.cpuUsPerOp, 400_000 / 700, 'driver CPU / ops completed in the window');
    assert.equal(m.latency.count, 1000, 'latency covers every operation due in the window');
    assert.equal(
      m.timeline.reduce((a, p) => a + p.ops, 0),
      m.ops,
    );
  });

  it('a wait for a free connection makes the row SERVER-LIMITED, not driver-saturated', () => {
    const m = measure(0, rate, [report(run({ queuedMs: 300 }), 1000)], usage);
    assert.equal(m.verdict.limit, 'SERVER-LIMITED', m.verdict.why);
    assert.ok(m.driver.sendLagP99 <= 1, `send lag p99 ${m.driver.sendLagP99}µs`);
    assert.ok(m.backlog, 'rate runs report their backlog');
    assert.equal(m.backlog.queued, 500);
    assert.ok(Math.abs(m.backlog.waitP99 - 300_000) < 1000, `wait p99 ${m.backlog.waitP99}`);
    assert.match(m.verdict.why, /500 of 1000 operations \(50\.0%\) found every connection busy/);
  });

  it('a driver that sends late is driver-saturated, and the server is not blamed', () => {
    const m = measure(0, rate, [report(run({ lateMs: 30 }), 1000)], usage);
    assert.equal(m.verdict.limit, 'DRIVER-LIMITED');
    assert.match(m.verdict.why, /behind schedule/);
    assert.equal(m.backlog?.queued, 0);
  });

  it('a short, rare wait does not flag the server (p99 over all sends)', () => {
    const r = new Recorder(0, 1000, true);
    for (let i = 0; i < 1000; i++) {
      const queued = i % 200 === 0 ? 50 : 0; // 0.5% of sends waited 50 ms
      r.started(i, i + queued, false, queued);
      r.ok(i, i + queued, i + queued + 1);
    }
    const m = measure(0, rate, [report(r, 1000)], usage);
    assert.equal(m.backlog?.queued, 5);
    assert.equal(m.backlog?.waitP99, 0);
    assert.equal(m.verdict.limit, 'none', m.verdict.why);
  });

  it('drops at maxInFlight make the row SERVER-LIMITED', () => {
    const r = run({});
    r.drop(10);
    const m = measure(0, rate, [report(r, 1000)], usage);
    assert.equal(m.verdict.limit, 'SERVER-LIMITED');
    assert.match(m.verdict.why, /1 operations fell due with maxInFlight=10000/);
  });

  it('keeps the latency of failed operations apart, and counts drain-deadline failures as timeouts', () => {
    const r = new Recorder(0, 1000, true);
    r.started(0, 0, false);
    r.ok(0, 0, 2);
    r.started(10, 10, false);
    r.failed(10, 10, 510, new OpError('timeout', 'no response within 500ms'));
    r.started(900, 900, false);
    r.abandoned = true;
    r.failed(900, 900, 8000, new OpError('connection', 'socket closed'));
    const m = measure(0, rate, [report(r, 1000)], usage);
    assert.equal(m.latency.count, 1, 'successful operations only');
    assert.equal(m.errors.timeout, 2);
    assert.equal(m.errors.connection, 0, 'closing the connections at the deadline is not a connection error');
    assert.ok(m.failedLatency);
    assert.equal(m.failedLatency.count, 2);
    assert.ok(Math.abs(m.failedLatency.max - 7_100_000) < 10_000, `failed max ${m.failedLatency.max}`);
  });

  it('merges repetitions: drained summed, backlogs and failed latencies merged exactly', () => {
    const a = measure(0, rate, [report(run({ queuedMs: 300 }), 1000)], usage);
    const b = measure(1, rate, [report(run({}), 1000)], usage);
    const m = mergeMeasurements([a, b]);
    assert.ok(m?.backlog);
    assert.equal(m.drained, 300);
    assert.equal(m.backlog.queued, 500);
    assert.equal(m.verdict.limit, 'SERVER-LIMITED');
    assert.match(m.verdict.why, /^repetition #1 \(1 of 2\): 500 of 1000/);
    // 500 of 2000 sends waited 300 ms: still the p99 over all sends.
    assert.ok(Math.abs(m.backlog.waitP99 - 300_000) < 1000);
  });
});

describe("measure: the server's own counters", () => {
  it("keeps the window's counts, and sums them over repetitions only when every one has them", () => {
    const withCounts = (received: number): WindowUsage => ({
      ...usage,
      server: { cpuUs: 1000, maxRssBytes: 1, counters: { received } },
    });
    const a = measure(0, rate, [report(run({}), 1000)], withCounts(300));
    const b = measure(1, rate, [report(run({}), 1000)], withCounts(200));
    assert.deepEqual(a.server?.counters, { received: 300 });
    assert.deepEqual(mergeMeasurements([a, b])?.server?.counters, { received: 500 });
    const none = measure(2, rate, [report(run({}), 1000)], {
      ...usage,
      server: { cpuUs: 1000, maxRssBytes: 1 },
    });
    assert.equal(mergeMeasurements([a, none])?.server?.counters, undefined, 'a repetition without counts');
  });

  it("the window's counts are the end's minus the start's; without both readings there are none", () => {
    assert.deepEqual(windowCounters({ received: 5 }, { received: 12 }), { received: 7 });
    assert.equal(windowCounters(undefined, { received: 12 }), undefined);
  });
});

describe('measure: which side limited the run', () => {
  it('a send lag dwarfed by the server backlog (the burst after a stall) does not blame the driver', () => {
    const r = new Recorder(0, 1000, true);
    for (let i = 0; i < 1000; i++) {
      // 20% waited ~400 ms for a connection; 2% were also sent 20 ms late (the driver busy with the burst).
      const queued = i >= 500 && i < 700 ? 400 : 0;
      const late = i >= 700 && i < 720 ? 20 : 0;
      r.started(i, i + queued + late, false, queued);
      r.ok(i, i + queued + late, i + queued + late + 1);
    }
    const m = measure(0, rate, [report(r, 1000)], usage);
    assert.ok(m.driver.sendLagP99 >= 19_000, `send lag p99 ${m.driver.sendLagP99}`);
    assert.equal(m.verdict.limit, 'SERVER-LIMITED', m.verdict.why);
  });
});
