import { killAllBrokers } from '../brokers/index.js';
import { killAllServers } from '../engine/server-host.js';
import { ExitCode } from '../errors.js';

/**
 * Ctrl-C / SIGTERM during a run: the first prints `notice(signal)` and aborts `signal` (the run
 * stops and keeps what it measured); the second kills every server and broker commbench started
 * and exits with ExitCode.interrupted. `release()` removes the handlers once the run is over.
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
      killAllServers();
      killAllBrokers();
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
