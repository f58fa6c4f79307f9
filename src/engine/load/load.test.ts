import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../clock.js';
import type { DriverSpec } from '../driver.js';
import { Recorder } from '../recorder.js';
import { splitSpec } from '../workers.js';
import { closedLoop } from './closed.js';
import { loadModelFor } from './index.js';
import { linearRamp } from './ramp.js';
import { constantRate } from './rate.js';
import type { LoadContext, LoadModel } from './types.js';

/**
 * A virtual clock whose sleeps wake `lateMs` after the time asked, and never sooner than `quantumMs`
 * after the previous wake-up: a driver thread that sleeps (timers, a timing thread) instead of
 * spinning. The simulated server keeps exact time (it is another process).
 */
class SleepingDriverClock extends VirtualClock {
  #lastWake = Number.NEGATIVE_INFINITY;
  constructor(
    readonly lateMs: number,
    readonly quantumMs = 0,
  ) {
    super();
  }
  override sleepUntil(t: number): Promise<void> {
    const at = Math.max(t, this.#lastWake + this.quantumMs) + this.lateMs;
    return super.sleepUntil(at).then(() => {
      this.#lastWake = this.now();
    });
  }
  exactSleepUntil(t: number): Promise<void> {
    return super.sleepUntil(t);
  }
}

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
    await (clock instanceof SleepingDriverClock ? clock.exactSleepUntil(done) : clock.sleepUntil(done));
    return done;
  };
}

type Performed = { connection: number; intended: number; sentAt: number };

function context(
  clock: VirtualClock,
  recorder: Recorder,
  opts: { connections: number; endAt: number; windowAt?: number; serve: (sentAt: number) => Promise<number> },
): LoadContext & { performed: Performed[]; dropped: number[] } {
  const performed: Performed[] = [];
  const dropped: number[] = [];
  return {
    performed,
    dropped,
    clock,
    startAt: clock.now(),
    windowAt: opts.windowAt ?? clock.now(),
    connections: opts.connections,
    endAt: opts.endAt,
    signal: new AbortController().signal,
    async perform(connection, intended, queuedMs = 0) {
      const sentAt = clock.now();
      performed.push({ connection, intended, sentAt });
      recorder.started(intended, sentAt, false, queuedMs);
      const doneAt = await opts.serve(sentAt);
      recorder.ok(intended, sentAt, doneAt, queuedMs);
    },
    drop: (intended) => {
      dropped.push(intended);
      recorder.drop(intended);
    },
  };
}

/**
 * Runs `model` to the end on a fresh virtual clock against a simulated server, recording the
 * window [windowAt, endAt) (latency from the intended time for open models).
 */
async function runOn(
  model: LoadModel,
  opts: {
    connections: number;
    endAt: number;
    windowAt?: number;
    open?: boolean;
    serviceMs: number;
    freezeFrom?: number;
    freezeTo?: number;
    recordUntil?: number;
    signal?: AbortSignal;
    stopAt?: (clock: VirtualClock) => Promise<void>;
    clock?: VirtualClock;
  },
) {
  const clock = opts.clock ?? new VirtualClock();
  const recorder = new Recorder(opts.windowAt ?? 0, opts.recordUntil ?? opts.endAt, opts.open ?? true);
  const base = context(clock, recorder, { ...opts, serve: simulatedServer(clock, opts) });
  const ctx = opts.signal ? { ...base, signal: opts.signal } : base;
  const done = model.run(ctx);
  if (opts.stopAt) await opts.stopAt(clock);
  await clock.run();
  await done;
  return { recorder, performed: ctx.performed, dropped: ctx.dropped };
}

/** HDR histograms keep 3 significant digits. */
function assertNear(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.001 + 1, `${actual} ≉ ${expected}`);
}

describe('pacing: a driver that sleeps instead of spinning', () => {
  it("keeps its own lateness out of the latency: it is send lag, the server's 5 ms stays 5 ms", async () => {
    const clock = new SleepingDriverClock(0.8);
    const { recorder, performed } = await runOn(constantRate({ rate: 1000, inFlight: 1, maxInFlight: 100 }), {
      connections: 32,
      endAt: 1000,
      serviceMs: 5,
      clock,
    });
    assert.equal(performed.length, 1000, 'every due operation sent');
    assert.equal(recorder.queued, 0, 'a connection was always free');
    assertNear(recorder.latency.getValueAtPercentile(50), 5000);
    assertNear(recorder.latency.getValueAtPercentile(100), 5000);
    assertNear(recorder.sendLag.getValueAtPercentile(50), 800);
    assertNear(recorder.service.getValueAtPercentile(50), 5000);
  });

  it("keeps the server's backlog in the latency while leaving the driver's lateness out", async () => {
    // One connection, 1.5 ms per operation at 1000/s: every operation waits for the one before it.
    const clock = new SleepingDriverClock(0.3);
    const { recorder } = await runOn(constantRate({ rate: 1000, inFlight: 1, maxInFlight: 1000 }), {
      connections: 1,
      endAt: 200,
      recordUntil: 200,
      serviceMs: 1.5,
      clock,
    });
    assert.ok(recorder.queued > 150, `queued ${recorder.queued}`);
    // The last operation (due at 199 ms) waits for ~100 earlier ones: ~100 ms of backlog in its latency.
    const max = recorder.latency.getValueAtPercentile(100);
    assert.ok(max > 95_000 && max < 105_000, `max latency ${max}µs`);
    assert.ok(recorder.sendLag.getValueAtPercentile(100) <= 300 * 1.001 + 1, 'lag is only the late wake-up');
  });

  it('sends every operation due by a wake-up when wake-ups are rationed (20,000/s, one per 0.2 ms)', async () => {
    const clock = new SleepingDriverClock(0, 0.2);
    const { recorder, performed } = await runOn(
      constantRate({ rate: 20_000, inFlight: 1, maxInFlight: 1000 }),
      { connections: 50, endAt: 100, serviceMs: 1, clock },
    );
    assert.equal(performed.length, 2000, 'none skipped');
    assert.equal(recorder.dropped, 0);
    const sends = new Set(performed.map((p) => p.sentAt));
    assert.ok(sends.size <= 510, `${sends.size} wake-ups for 2000 sends`);
    assert.ok(recorder.sendLag.getValueAtPercentile(100) <= 200, 'each late by less than one quantum');
    assertNear(recorder.latency.getValueAtPercentile(100), 1000);
  });
});

describe('constant rate', () => {
  it('issues exactly rate × duration operations at their scheduled times', async () => {
    const { performed, recorder } = await runOn(constantRate({ rate: 500, inFlight: 1, maxInFlight: 100 }), {
      connections: 4,
      endAt: 2000,
      serviceMs: 0.5,
    });
    assert.equal(performed.length, 1000);
    performed.forEach((p, i) => {
      assert.equal(p.intended, i * 2);
      assert.equal(p.sentAt, p.intended, 'sent on schedule');
    });
    assert.equal(recorder.dropped, 0);
    assertNear(recorder.latency.getValueAtPercentile(99), 500);
  });

  it('spreads operations round-robin over connections', async () => {
    const { performed } = await runOn(constantRate({ rate: 100, inFlight: 1, maxInFlight: 10 }), {
      connections: 3,
      endAt: 100,
      serviceMs: 1,
    });
    assert.deepEqual(
      performed.map((p) => p.connection),
      [0, 1, 2, 0, 1, 2, 0, 1, 2, 0],
    );
  });

  it('counts operations that cannot be sent at maxInFlight as dropped, and sends the rest', async () => {
    // 1000/s offered, each op takes 50 ms, at most 10 outstanding: 200 can be served in a second.
    const { recorder } = await runOn(constantRate({ rate: 1000, inFlight: 1, maxInFlight: 10 }), {
      connections: 10,
      endAt: 1000,
      serviceMs: 50,
    });
    assert.equal(recorder.sent + recorder.dropped, 1000, 'every scheduled operation is sent or dropped');
    assert.equal(recorder.sent, 200);
    assert.equal(recorder.dropped, 800);
  });

  it('queues operations while connections are busy and measures them from their due time (CO correction)', async () => {
    // 200/s on 4 connections, 1 ms service, server frozen from t=3000 to t=4000.
    const { recorder } = await runOn(constantRate({ rate: 200, inFlight: 1, maxInFlight: 10_000 }), frozen);
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
    const abort = new AbortController();
    const { performed, recorder } = await runOn(constantRate({ rate: 100, inFlight: 1, maxInFlight: 1000 }), {
      connections: 1,
      endAt: 1000,
      serviceMs: 100,
      signal: abort.signal,
      stopAt: async (clock) => {
        await clock.run(250);
        abort.abort();
      },
    });
    assert.ok(performed.length <= 4);
    assert.ok(recorder.dropped > 0, 'backlog at abort counted as dropped');
    assert.ok(recorder.sent + recorder.dropped <= 27);
  });
});

/** 4 connections, 1 ms service, the server frozen from t=3000 to t=4000 of a 10 s window. */
const frozen = { connections: 4, endAt: 10_000, serviceMs: 1, freezeFrom: 3000, freezeTo: 4000 };

describe('closed loop', () => {
  it('keeps connections × inFlight operations outstanding and stops at endAt', async () => {
    const { recorder } = await runOn(closedLoop({ inFlight: 2 }), {
      connections: 5,
      endAt: 1000,
      serviceMs: 10,
      open: false,
    });
    // 10 loops, each completing an op every 10 ms for 1 s.
    assert.equal(recorder.ops, 1000);
    assertNear(recorder.latency.getValueAtPercentile(50), 10_000);
  });

  it('hides a stall from the percentiles (coordinated omission), which is why rate exists', async () => {
    const { recorder } = await runOn(closedLoop({ inFlight: 1 }), { ...frozen, connections: 1, open: false });
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
    // 4 connections × 1 in flight × 10 ms service: the server's capacity is exactly 400/s.
    const { recorder } = await runOn(constantRate({ rate: 500, inFlight: 1, maxInFlight: 100_000 }), {
      connections: 4,
      endAt: 10_000,
      serviceMs: 10,
    });
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
    // The window ends 5 ms before the loop stops issuing: the last round (done at t=1000) is drained.
    const { recorder } = await runOn(closedLoop({ inFlight: 2 }), {
      connections: 5,
      endAt: 1000,
      recordUntil: 995,
      serviceMs: 10,
      open: false,
    });
    assert.equal(recorder.ops, 990);
    assert.equal(recorder.drained, 10);
  });
});

describe('send lag and the server backlog', () => {
  it('a frozen server puts operations in the backlog: send lag stays ~0, the wait is recorded as backlog', async () => {
    const { recorder } = await runOn(constantRate({ rate: 200, inFlight: 1, maxInFlight: 10_000 }), frozen);
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

/** A driver spec of `load` for a 100 ms window after `warmupMs`. */
function driverSpec(load: DriverSpec['load'], warmupMs = 0): DriverSpec {
  return {
    pattern: 'tcp',
    options: {},
    url: 'tcp://127.0.0.1:1',
    load,
    payload: { size: 16, shape: 'mixed' },
    timeoutMs: 1000,
    verifyEvery: 1,
    warmupMs,
    durationMs: 100,
    connectionOffset: 0,
  };
}

/** The intended times of every share of `spec` split `workers` ways, run together, sorted. */
async function splitSchedule(spec: DriverSpec, workers: number): Promise<number[]> {
  const clock = new VirtualClock();
  const endAt = spec.warmupMs + spec.durationMs;
  const recorder = new Recorder(spec.warmupMs, endAt, true);
  const intended: number[] = [];
  const runs = splitSpec(spec, workers).map((share) => {
    const ctx = context(clock, recorder, {
      connections: share.load.connections,
      endAt,
      windowAt: spec.warmupMs,
      serve: simulatedServer(clock, { serviceMs: 0.5 }),
    });
    return loadModelFor(share.load, share.placement)
      .run(ctx)
      .then(() => intended.push(...ctx.performed.map((p) => p.intended)));
  });
  await clock.run();
  await Promise.all(runs);
  return intended.sort((a, b) => a - b);
}

describe('worker shares of a rate', () => {
  it('interleave into one evenly spaced schedule (share i starts i/R later)', async () => {
    const load = { model: 'rate', rate: 400, connections: 4, inFlight: 1, maxInFlight: 1000 } as const;
    const intended = await splitSchedule(driverSpec(load), 4);
    assert.equal(intended.length, 40);
    const gaps = intended.slice(1).map((t, i) => t - (intended[i] as number));
    for (const gap of gaps) assert.ok(Math.abs(gap - 2.5) < 1e-9, `sends ${gap} ms apart, not 2.5 ms`);
  });
});

describe('linear ramp', () => {
  // 100/s through a 500 ms warm-up, then 100/s → 300/s over a 1 s window: N(u) = 0.1·u + 0.0001·u²
  // operations are due u ms into the window, 50 in the warm-up and (100 + 300)/2 = 200 in the window.
  const ramp = { from: 100, to: 300, inFlight: 1, maxInFlight: 1000 };
  const window = { connections: 4, windowAt: 500, endAt: 1500, serviceMs: 0.5 };

  it('schedules operations at the exact times the integral of the rate gives', async () => {
    const { performed, recorder } = await runOn(linearRamp(ramp), window);
    assert.equal(performed.length, 250);
    performed.slice(0, 50).forEach((p, i) => assert.equal(p.intended, i * 10, 'warm-up at from/s'));
    performed.slice(50).forEach((p, n) => {
      const u = p.intended - 500;
      assert.ok(Math.abs(0.1 * u + 0.0001 * u * u - n) < 1e-9, `op ${n} due at ${u} ms into the window`);
      assert.equal(p.sentAt, p.intended, 'sent on schedule');
    });
    // The first 100 ms of the window hold N(100) = 11 operations; the last 100 ms 200 − N(900) = 29.
    const inWindow = (from: number, to: number) =>
      performed.filter((p) => p.intended >= 500 + from && p.intended < 500 + to).length;
    assert.equal(inWindow(0, 100), 11);
    assert.equal(inWindow(900, 1000), 29);
    assert.equal(recorder.sent, 200, 'the warm-up is not measured');
    assert.equal(recorder.dropped, 0);
  });

  it('ramps down as well (to < from)', async () => {
    const { performed } = await runOn(linearRamp({ ...ramp, from: 300, to: 100 }), {
      ...window,
      windowAt: 0,
      endAt: 1000,
    });
    assert.equal(performed.length, 200);
    const first = performed.filter((p) => p.intended < 100).length;
    const last = performed.filter((p) => p.intended >= 900).length;
    assert.deepEqual([first, last], [29, 11]);
  });

  it('split across worker threads, the shares interleave into the unsplit schedule', async () => {
    const load = { model: 'ramp', connections: 4, ...ramp } as const;
    const whole = await splitSchedule(driverSpec(load, 50), 1);
    const split = await splitSchedule(driverSpec(load, 50), 4);
    assert.equal(whole.length, 5 + 20, '100/s for 50 ms, then (100 + 300)/2 /s for 100 ms');
    assert.equal(split.length, whole.length);
    split.forEach((t, i) =>
      assert.ok(Math.abs(t - (whole[i] as number)) < 1e-9, `op ${i}: ${t} vs ${whole[i]}`),
    );
  });

  it('drops what falls due at maxInFlight, only once the rate passes what the server serves', async () => {
    // 10 connections × 50 ms service serve 200/s; the ramp offers 100/s → 1900/s (1000 operations).
    const { recorder, dropped } = await runOn(linearRamp({ ...ramp, to: 1900, maxInFlight: 10 }), {
      connections: 10,
      endAt: 1000,
      serviceMs: 50,
    });
    assert.equal(recorder.sent + recorder.dropped, 1000, 'every scheduled operation is sent or dropped');
    assert.ok(recorder.sent <= 210 && recorder.sent >= 190, `sent ${recorder.sent}`);
    // The rate reaches 200/s at u = 55.6 ms: nothing is dropped before the server is short of room.
    assert.ok((dropped[0] ?? 0) > 55, `first drop at ${dropped[0]} ms`);
  });
});
