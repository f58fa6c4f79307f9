import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

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

/**
 * How a driver thread waits for the next due time of an open loop (Nighthawk's idle strategies):
 * - `spin`: a timer until the last 1.5 ms, then a busy wait on the event loop: sends within a few
 *   µs of their due times, but the thread keeps a core busy at any rate;
 * - `sleep`: a timing thread sleeps until the due time (Atomics.wait, sub-ms) and wakes the event
 *   loop; costs what it sends. Its lateness is measured per operation (send lag) and kept out of
 *   the latency, so a late wake-up never reads as the server's latency.
 */
export type Pacing = 'spin' | 'sleep';
export const pacings = ['spin', 'sleep'] as const satisfies readonly Pacing[];

/** Below this many ms of waiting, the spinning clock yields with setImmediate instead of a timer. */
const spinBelowMs = 1.5;

/** Wall time this thread has spent busy-waiting out due times (the spinning clock), ms. */
let spunMs = 0;

/**
 * CPU time this thread has spent pacing open loops, ms since the thread started: the spinning
 * clock's busy waits (wall time, the thread was busy throughout), or the sleeping clock's timing
 * thread (its own CPU time, read from /proc on Linux; 0 where it cannot be read).
 */
export function pacingMs(): number {
  return spunMs + stoppedCpuMs + (timing?.cpuMs() ?? 0);
}

/**
 * The spinning clock. Node timers fire up to ~1 ms late; the last stretch before a due time is
 * waited out by yielding to the event loop (setImmediate) rather than by a timer.
 */
export const spinClock: Clock = {
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

/**
 * The sleeping clock: every wait is handed to one timing thread per driver thread, which sleeps
 * until the earliest due time and posts a message that wakes this event loop. Wake-ups are at least
 * `sleepQuantumMs` apart: at rates above a few thousand per second the open loop then sends the
 * operations due by each wake-up together (each one's lateness is its send lag) instead of paying
 * one thread wake-up per operation.
 */
export const sleepClock: Clock = {
  now: () => performance.now(),
  sleepUntil(t) {
    timing ??= new TimingThread();
    return timing.until(t);
  },
  yieldToEventLoop: () => new Promise<void>((resolve) => setImmediate(resolve)),
};

/** The clock of a pacing strategy. */
export function pacingClock(pacing: Pacing): Clock {
  return pacing === 'spin' ? spinClock : sleepClock;
}

/** The clock for everything that is not an open loop's pacing: plain timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleepUntil(t) {
    return new Promise<void>((resolve) => {
      const step = (): void => {
        const wait = t - performance.now();
        if (wait <= 0) resolve();
        else setTimeout(step, Math.max(1, wait));
      };
      step();
    });
  },
  yieldToEventLoop: () => new Promise<void>((resolve) => setImmediate(resolve)),
};

/** Least time between two wake-ups of the sleeping clock, ms. */
export const sleepQuantumMs = 0.2;

/**
 * The timing thread's loop (plain JS, run with `eval`: no module file to locate in src/ or dist/).
 * ctl[0] is a generation the event loop bumps whenever the earliest due time (due[0], epoch ms; NaN
 * for none) changes; the thread sleeps in Atomics.wait until that time or a new generation, then
 * posts the generation it fired for; a negative generation ends it. Waits are at most 50 ms, so the
 * thread can be ended (a thread blocked in Atomics.wait holds the process open). due[1] is its own
 * CPU time (ms, /proc/thread-self/schedstat).
 */
const timingThreadSource = `
const { workerData, parentPort } = process.getBuiltinModule('node:worker_threads');
const { performance } = process.getBuiltinModule('node:perf_hooks');
const { readFileSync } = process.getBuiltinModule('node:fs');
const ctl = new Int32Array(workerData.ctl);
const due = new Float64Array(workerData.due);
const epoch = () => performance.timeOrigin + performance.now();
let readAt = 0;
const readCpu = () => {
  try { due[1] = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6; } catch {}
};
for (;;) {
  const gen = Atomics.load(ctl, 0);
  if (gen < 0) break;
  const t = due[0];
  if (t !== t) { readCpu(); Atomics.wait(ctl, 0, gen, 50); continue; }
  const wait = t - epoch();
  if (wait > 0.01) { Atomics.wait(ctl, 0, gen, Math.min(wait, 50)); continue; }
  parentPort.postMessage(gen);
  if (epoch() - readAt > 100) { readAt = epoch(); readCpu(); }
  Atomics.wait(ctl, 0, gen, 50);
}`;

let timing: TimingThread | undefined;
/** CPU time of this thread's ended timing threads, ms. */
let stoppedCpuMs = 0;

/**
 * Ends this thread's timing thread (the driver calls it when its load has run): pending sleepers
 * are woken. The next sleep starts a new one.
 */
export function stopPacing(): void {
  timing?.stop();
  timing = undefined;
}

/** One per thread: the sleepers of the sleeping clock, earliest first, and the thread that wakes them. */
class TimingThread {
  readonly #ctl = new Int32Array(new SharedArrayBuffer(4));
  readonly #due = new Float64Array(new SharedArrayBuffer(16));
  readonly #sleepers: { at: number; resolve: () => void }[] = [];
  readonly #worker: Worker;
  #armedFor = Number.NaN;
  #lastWake = Number.NEGATIVE_INFINITY;

  constructor() {
    this.#due[0] = Number.NaN;
    this.#worker = new Worker(timingThreadSource, {
      eval: true,
      // Not the parent's flags (a loader such as tsx, --input-type): the loop needs none of them.
      execArgv: [],
      workerData: { ctl: this.#ctl.buffer, due: this.#due.buffer },
    });
    this.#worker.on('message', (gen: number) => {
      if (gen >= 0 && gen === Atomics.load(this.#ctl, 0)) this.#wake();
    });
    // Referenced only while someone sleeps (see #arm); after the listener, which refs the port again.
    this.#worker.unref();
  }

  until(t: number): Promise<void> {
    if (t <= performance.now()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const at = Math.max(t, this.#lastWake + sleepQuantumMs);
      let i = this.#sleepers.length;
      while (i > 0 && (this.#sleepers[i - 1] as { at: number }).at > at) i--;
      this.#sleepers.splice(i, 0, { at, resolve });
      if (i === 0) this.#arm();
    });
  }

  stop(): void {
    stoppedCpuMs += this.cpuMs();
    Atomics.store(this.#ctl, 0, -1);
    Atomics.notify(this.#ctl, 0);
    for (const s of this.#sleepers.splice(0)) s.resolve();
    void this.#worker.terminate();
  }

  /** The timing thread's CPU time so far, ms. */
  cpuMs(): number {
    return this.#due[1] ?? 0;
  }

  #wake(): void {
    const now = performance.now();
    this.#lastWake = now;
    this.#armedFor = Number.NaN;
    while (this.#sleepers.length > 0 && (this.#sleepers[0] as { at: number }).at <= now)
      (this.#sleepers.shift() as { resolve: () => void }).resolve();
    this.#arm();
  }

  #arm(): void {
    const next = this.#sleepers[0]?.at ?? Number.NaN;
    // A pending sleep keeps the process alive; an idle timing thread does not.
    if (Number.isNaN(next)) this.#worker.unref();
    else this.#worker.ref();
    if (next === this.#armedFor || (Number.isNaN(next) && Number.isNaN(this.#armedFor))) return;
    this.#armedFor = next;
    this.#due[0] = Number.isNaN(next) ? Number.NaN : performance.timeOrigin + next;
    Atomics.add(this.#ctl, 0, 1);
    Atomics.notify(this.#ctl, 0);
  }
}

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
