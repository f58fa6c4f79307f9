/**
 * Runs `fn` after `ms` milliseconds, on time to within a few µs rather than Node's ~1 ms timer
 * lateness: a timer covers all but the last 2 ms, the rest is waited out by yielding to the event
 * loop. Servers use it for the injected service delay, which ground-truth tests read back exactly.
 */
export function afterDelay(ms: number, fn: () => void): void {
  const due = performance.now() + ms;
  const step = (): void => {
    const left = due - performance.now();
    if (left <= 0) fn();
    else if (left > 2) setTimeout(step, left - 2);
    else setImmediate(step);
  };
  step();
}
