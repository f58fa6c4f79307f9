import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../clock.js';
import type { DriverSpec } from '../driver.js';
import { Recorder } from '../recorder.js';
import { splitSpec } from '../workers.js';
import { closedLoop } from './closed.js';
import { loadModelFor } from './index.js';
import { constantRate } from './rate.js';
import type { LoadContext } from './types.js';

/**
 * A simulated server on the virtual clock: each connection serves one operation at a time in
 * `serviceMs`, and nothing at all while frozen (between freezeFrom and freezeTo).
 */
function simulatedServer(
  clock: VirtualClock,
  opts: { serviceMs: number; freezeFrom?: number; freezeTo?: number },
) {
  return async (sentAt: number): Promise<number> => {
    let done = sentAt + opts.serviceMs;
    if (
      opts.freezeFrom !== undefined &&
      opts.freezeTo !== undefined &&
      done > opts.freezeFrom &&
      sentAt < opts.freezeTo
    ) {
      done = Math.max(done, opts.freezeTo + opts.serviceMs);
    }
    await clock.sleepUntil(done);
    return done;
  };
}

function context(
  clock: VirtualClock,
  recorder: Recorder,
  opts: { connections: number; endAt: number; serve: (sentAt: number) => Promise<number> },
): LoadContext & { performed: { connection: number; intended: number; sentAt: number }[] } {
  const performed: { connection: number; intended: number; sentAt: number }[] = [];
  return {
    performed,
    clock,
    startAt: clock.now(),
    connections: opts.connections,
    endAt: opts.endAt,
    signal: new AbortController().signal,
    async perform(connection, intended, queuedMs = 0) {
      const sentAt = clock.now();
      performed.push({ connection, intended, sentAt });
      recorder.started(intended, sentAt, false, queuedMs);
      const doneAt = await opts.serve(sentAt);
      recorder.ok(intended, sentAt, doneAt);
    },
    drop: (intended) => recorder.drop(intended),
  };
}

/** HDR histograms keep 3 significant digits. */
function assertNear(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.001 + 1, `${actual} ≉ ${expected}`);
}

describe('constant rate', () => {
  it('issues exactly rate × duration operations at their scheduled times', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 2000, true);
    const ctx = context(clock, recorder, {
      connections: 4,
      endAt: 2000,
      serve: simulatedServer(clock, { serviceMs: 0.5 }),
    });
    const done = constantRate({ rate: 500, inFlight: 1, maxInFlight: 100 }).run(ctx);
    await clock.run();
    await done;
    assert.equal(ctx.performed.length, 1000);
    ctx.performed.forEach((p, i) => {
      assert.equal(p.intended, i * 2);
      assert.equal(p.sentAt, p.intended, 'sent on schedule');
    });
    assert.equal(recorder.dropped, 0);
    assertNear(recorder.latency.getValueAtPercentile(99), 500);
  });

  it('spreads operations round-robin over connections', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 100, true);
    const ctx = context(clock, recorder, {
      connections: 3,
      endAt: 100,
      serve: simulatedServer(clock, { serviceMs: 1 }),
    });
    const done = constantRate({ rate: 100, inFlight: 1, maxInFlight: 10 }).run(ctx);
    await clock.run();
    await done;
    assert.deepEqual(
      ctx.performed.map((p) => p.connection),
      [0, 1, 2, 0, 1, 2, 0, 1, 2, 0],
    );
  });

  it('counts operations that cannot be sent at maxInFlight as dropped, and sends the rest', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 1000, true);
    // 1000/s offered, each op takes 50 ms, at most 10 outstanding: 200 can be served in a second.
    const ctx = context(clock, recorder, {
      connections: 10,
      endAt: 1000,
      serve: simulatedServer(clock, { serviceMs: 50 }),
    });
    const done = constantRate({ rate: 1000, inFlight: 1, maxInFlight: 10 }).run(ctx);
    await clock.run();
    await done;
    assert.equal(recorder.sent + recorder.dropped, 1000, 'every scheduled operation is sent or dropped');
    assert.equal(recorder.sent, 200);
    assert.equal(recorder.dropped, 800);
  });

  it('queues operations while connections are busy and measures them from their due time (CO correction)', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 10_000, true);
    // 200/s on 4 connections, 1 ms service, server frozen from t=3000 to t=4000.
    const ctx = context(clock, recorder, {
      connections: 4,
      endAt: 10_000,
      serve: simulatedServer(clock, { serviceMs: 1, freezeFrom: 3000, freezeTo: 4000 }),
    });
    const done = constantRate({ rate: 200, inFlight: 1, maxInFlight: 10_000 }).run(ctx);
    await clock.run();
    await done;
    assert.equal(recorder.ops, 2000);
    assert.equal(recorder.dropped, 0);
    // 200 of 2000 operations were due during the freeze: the top 10% spread over 0..1 s.
    const p99 = recorder.latency.getValueAtPercentile(99);
    assert.ok(p99 > 850_000 && p99 < 1_000_000, `corrected p99 ${p99}µs should be near 1 s`);
    assert.ok(recorder.latency.maxValue >= 999_000, 'the op due at the freeze waited a whole second');
    // Only the 4 operations on the wire when it froze saw the stall as service time.
    const serviceP99 = recorder.service.getValueAtPercentile(99);
    assert.ok(serviceP99 < 2_000, `service p99 ${serviceP99}µs stays at the service time`);
    assert.ok(recorder.service.maxValue >= 990_000);
  });

  it('stops scheduling on abort and drops what waits in the backlog', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 1000, true);
    const abort = new AbortController();
    const ctx = {
      ...context(clock, recorder, {
        connections: 1,
        endAt: 1000,
        serve: simulatedServer(clock, { serviceMs: 100 }),
      }),
      signal: abort.signal,
    };
    const done = constantRate({ rate: 100, inFlight: 1, maxInFlight: 1000 }).run(ctx);
    await clock.run(250);
    abort.abort();
    await clock.run();
    await done;
    assert.ok(ctx.performed.length <= 4);
    assert.ok(recorder.dropped > 0, 'backlog at abort counted as dropped');
    assert.ok(recorder.sent + recorder.dropped <= 27);
  });
});

describe('closed loop', () => {
  it('keeps connections × inFlight operations outstanding and stops at endAt', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 1000, false);
    const ctx = context(clock, recorder, {
      connections: 5,
      endAt: 1000,
      serve: simulatedServer(clock, { serviceMs: 10 }),
    });
    const done = closedLoop({ inFlight: 2 }).run(ctx);
    await clock.run();
    await done;
    // 10 loops, each completing an op every 10 ms for 1 s.
    assert.equal(recorder.ops, 1000);
    assertNear(recorder.latency.getValueAtPercentile(50), 10_000);
  });

  it('hides a stall from the percentiles (coordinated omission), which is why rate exists', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 10_000, false);
    const ctx = context(clock, recorder, {
      connections: 1,
      endAt: 10_000,
      serve: simulatedServer(clock, { serviceMs: 1, freezeFrom: 3000, freezeTo: 4000 }),
    });
    const done = closedLoop({ inFlight: 1 }).run(ctx);
    await clock.run();
    await done;
    assert.ok(recorder.latency.getValueAtPercentile(99) < 2_000);
    assert.ok(recorder.latency.maxValue >= 999_000);
  });
});

describe('recorder window', () => {
  it('excludes operations intended before the window (warm-up) and after it', () => {
    const r = new Recorder(1000, 2000, true);
    r.started(500, 500, false);
    r.ok(500, 500, 999);
    r.started(1500, 1500, true);
    r.ok(1500, 1500, 1501);
    r.started(2500, 2500, false);
    r.ok(2500, 2500, 2501);
    assert.equal(r.ops, 1);
    assert.equal(r.sent, 1);
    assert.equal(r.verified, 1);
    assert.equal(r.tickOps, 3);
  });
});

describe('the measured window counts completions inside it', () => {
  it('a server that serves 400/s, offered 500/s for 10 s, reads back as 400/s; the drain is reported apart', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 10_000, true);
    // 4 connections × 1 in flight × 10 ms service: the server's capacity is exactly 400/s.
    const ctx = context(clock, recorder, {
      connections: 4,
      endAt: 10_000,
      serve: simulatedServer(clock, { serviceMs: 10 }),
    });
    const done = constantRate({ rate: 500, inFlight: 1, maxInFlight: 100_000 }).run(ctx);
    await clock.run();
    await done;
    assert.equal(recorder.sent, 5000, 'every scheduled operation was sent (none dropped)');
    assert.ok(recorder.ops >= 3996 && recorder.ops <= 4000, `completed in the window: ${recorder.ops}`);
    assert.equal(recorder.drained, 5000 - recorder.ops, 'the rest completed after the window');
    const timeline = recorder.snapshot(10_000).timeline;
    assert.equal(
      timeline.reduce((a, p) => a + p.ops, 0),
      recorder.ops,
      'the timeline sums to the throughput count',
    );
    assert.ok((timeline.at(-1)?.ops ?? 0) <= 401, `last second ${timeline.at(-1)?.ops} absorbs no drain`);
    // Latency still covers every operation due in the window, the drained ones included, from its due time.
    assert.equal(recorder.latency.totalCount, 5000);
    assert.ok(recorder.latency.maxValue > 2_000_000, 'the last ones waited ~2.5 s behind the backlog');
  });

  it('a closed loop counts what completes inside the window; later completions are drained', async () => {
    const clock = new VirtualClock();
    // The window ends 5 ms before the loop stops issuing: the last round (done at t=1000) is drained.
    const recorder = new Recorder(0, 995, false);
    const ctx = context(clock, recorder, {
      connections: 5,
      endAt: 1000,
      serve: simulatedServer(clock, { serviceMs: 10 }),
    });
    const done = closedLoop({ inFlight: 2 }).run(ctx);
    await clock.run();
    await done;
    assert.equal(recorder.ops, 990);
    assert.equal(recorder.drained, 10);
  });
});

describe('send lag and the server backlog', () => {
  it('a frozen server puts operations in the backlog: send lag stays ~0, the wait is recorded as backlog', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 10_000, true);
    const ctx = context(clock, recorder, {
      connections: 4,
      endAt: 10_000,
      serve: simulatedServer(clock, { serviceMs: 1, freezeFrom: 3000, freezeTo: 4000 }),
    });
    const done = constantRate({ rate: 200, inFlight: 1, maxInFlight: 10_000 }).run(ctx);
    await clock.run();
    await done;
    // The driver sent every operation the moment a connection was free: it was never late.
    assert.ok(recorder.sendLag.maxValue <= 1, `send lag max ${recorder.sendLag.maxValue}µs`);
    // ~200 operations fell due while the 4 connections were stuck (and a few more while the backlog
    // drained at 4 per ms), and waited up to ~1 s for one.
    assert.ok(recorder.queued >= 195 && recorder.queued <= 215, `queued ${recorder.queued}`);
    assert.ok(
      recorder.backlogWait.maxValue >= 975_000,
      `backlog wait max ${recorder.backlogWait.maxValue}µs`,
    );
  });
});

describe('worker shares of a rate', () => {
  it('interleave into one evenly spaced schedule (share i starts i/R later)', async () => {
    const spec: DriverSpec = {
      pattern: 'tcp',
      options: {},
      url: 'tcp://127.0.0.1:1',
      load: { model: 'rate', rate: 400, connections: 4, inFlight: 1, maxInFlight: 1000 },
      payload: { size: 16, shape: 'mixed' },
      timeoutMs: 1000,
      verifyEvery: 1,
      warmupMs: 0,
      durationMs: 100,
      connectionOffset: 0,
    };
    const clock = new VirtualClock();
    const recorder = new Recorder(0, 100, true);
    const intended: number[] = [];
    const runs = splitSpec(spec, 4).map((share) => {
      const ctx = context(clock, recorder, {
        connections: share.load.connections,
        endAt: 100,
        serve: simulatedServer(clock, { serviceMs: 0.5 }),
      });
      return loadModelFor(share.load, share.phaseMs ?? 0)
        .run(ctx)
        .then(() => intended.push(...ctx.performed.map((p) => p.intended)));
    });
    await clock.run();
    await Promise.all(runs);
    intended.sort((a, b) => a - b);
    assert.equal(intended.length, 40);
    const gaps = intended.slice(1).map((t, i) => t - (intended[i] as number));
    for (const gap of gaps) assert.ok(Math.abs(gap - 2.5) < 1e-9, `sends ${gap} ms apart, not 2.5 ms`);
  });
});
