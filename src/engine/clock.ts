/**
 * Time source of the engine. Real runs use the monotonic `performance.now()` (ms, sub-µs
 * resolution); load-model tests inject a virtual clock so schedules are exact and instant.
 */
export interface Clock {
  /** Monotonic time in ms (fractional). */
  now(): number;
  /** Resolves at time `t` or just after it (immediately when `t` has passed). */
  sleepUntil(t: number): Promise<void>;
  /**
   * Resolves after one turn of the event loop (timers and I/O run). Real clock only: load loops
   * whose operations can complete in microtasks alone (inproc) call it now and then.
   */
  yieldToEventLoop?(): Promise<void>;
}

/** Below this many ms of waiting, the real clock yields with setImmediate instead of a timer. */
const spinBelowMs = 1.5;

/** Wall time this thread has spent waiting out the last stretch before due times (see realClock), ms. */
let spunMs = 0;

/**
 * How long this thread's real clock has waited out due times on the event loop (the pacing of open
 * loops: a busy wait that costs CPU but sends nothing), ms since the thread started.
 */
export function pacingMs(): number {
  return spunMs;
}

/**
 * The real clock. Node timers fire up to ~1 ms late; a rate schedule measured from its intended
 * times would book that lateness as latency, so the last stretch before a due time is waited out
 * by yielding to the event loop (setImmediate) rather than by a timer.
 */
export const realClock: Clock = {
  now: () => performance.now(),
  sleepUntil(t) {
    return new Promise<void>((resolve) => {
      let spinFrom = -1;
      const step = (): void => {
        const now = performance.now();
        const wait = t - now;
        if (wait <= 0) {
          if (spinFrom >= 0) spunMs += now - spinFrom;
          resolve();
        } else if (wait > spinBelowMs) setTimeout(step, wait - 1);
        else {
          if (spinFrom < 0) spinFrom = now;
          setImmediate(step);
        }
      };
      step();
    });
  },
  yieldToEventLoop: () => new Promise<void>((resolve) => setImmediate(resolve)),
};

/** Epoch-based ms, comparable between threads (worker threads have their own performance origin). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Converts an epoch ms (from another thread) into this thread's performance.now() scale. */
export function fromEpoch(epochMs: number): number {
  return epochMs - performance.timeOrigin;
}

/**
 * A virtual clock for tests: time moves only when every pending sleeper has been given the chance
 * to run, jumping straight to the next due time. `run()` drives it until nothing is scheduled.
 */
export class VirtualClock implements Clock {
  #now: number;
  readonly #timers: { at: number; resolve: () => void }[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleepUntil(t: number): Promise<void> {
    return new Promise((resolve) => {
      this.#timers.push({ at: t, resolve });
      this.#timers.sort((a, b) => a.at - b.at);
    });
  }

  /** Advances time timer by timer until no timer is left (or `limit` ms is reached). */
  async run(limit = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      await flushMicrotasks();
      const next = this.#timers.shift();
      if (!next || next.at > limit) {
        if (next) this.#timers.unshift(next);
        return;
      }
      if (next.at > this.#now) this.#now = next.at;
      next.resolve();
    }
  }
}

function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
