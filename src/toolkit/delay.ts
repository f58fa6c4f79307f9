/**
 * The injected service delay of the echo servers (ServerContext.delayMs), on time to within a few
 * µs instead of Node's ~1 ms timer lateness: a timer covers all but the last 2 ms, the rest is
 * waited out by yielding to the event loop. Ground-truth tests read this delay back exactly.
 */
export class ServiceDelay {
  readonly #pending = new Set<{ handle: NodeJS.Timeout | NodeJS.Immediate }>();

  constructor(readonly ms: number) {}

  /** Runs `fn` after the delay (at once when the delay is 0). */
  run(fn: () => void): void {
    if (this.ms <= 0) return fn();
    const due = performance.now() + this.ms;
    const entry: { handle: NodeJS.Timeout | NodeJS.Immediate } = { handle: undefined as never };
    const step = (): void => {
      const left = due - performance.now();
      if (left <= 0) {
        this.#pending.delete(entry);
        fn();
      } else {
        entry.handle = left > 2 ? setTimeout(step, left - 2) : setImmediate(step);
      }
    };
    this.#pending.add(entry);
    step();
  }

  /** Forgets every pending response (the server is stopping). */
  cancelAll(): void {
    for (const { handle } of this.#pending) {
      clearTimeout(handle as NodeJS.Timeout);
      clearImmediate(handle as NodeJS.Immediate);
    }
    this.#pending.clear();
  }
}
