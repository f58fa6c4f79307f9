import { ExitCode } from '../errors.js';
import { killAllChildren } from '../proc/spawn.js';

/**
 * Ctrl-C / SIGTERM during a run: the first prints `notice(signal)` and aborts `signal` (the run
 * stops and keeps what it measured); the second kills every process commbench started (servers,
 * hops, brokers) and exits with ExitCode.interrupted. `release()` removes the handlers once the run
 * is over.
 */
export function onInterrupt(notice: (signal: NodeJS.Signals) => string): {
  readonly signal: AbortSignal;
  release(): void;
} {
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals === 1) {
      process.stderr.write(notice(signal));
      abort.abort('interrupted');
    } else {
      killAllChildren();
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: abort.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
