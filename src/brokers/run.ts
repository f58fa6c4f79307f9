/**
 * Brokers at the two places the engine needs them:
 * - the runner, once per run (`startRunBrokers`): RabbitMQ takes seconds to start, so every case of
 *   a run shares one throwaway broker per kind; its URL reaches the cases' server child processes
 *   and clients through COMMBENCH_<KIND>_URL;
 * - a queue pattern's server (`brokerForServer`), which uses that URL, or, when it runs on its own
 *   (`commbench serve amqp`, tests), starts a throwaway broker of its own.
 */
import { CommbenchError } from '../errors.js';
import {
  brokerEnvVar,
  brokerErrorEnvVar,
  brokerMissing,
  brokerOf,
  brokers,
  brokerUrlFromEnv,
  canStartBroker,
  startBroker,
  type BrokerKind,
  type RunningBroker,
} from './index.js';

export interface RunBrokers {
  /** The brokers this run started (not those given by URL). */
  readonly started: readonly RunningBroker[];
  /** Stops what was started ('kill' after an interrupt: they are throwaway) and restores the environment. */
  stop(how?: 'graceful' | 'kill'): Promise<void>;
}

/**
 * Starts, in parallel, a throwaway broker for each broker kind that `patterns` need and that has no
 * URL yet. A broker that is missing or fails to start does not throw: its reason is put into
 * COMMBENCH_<KIND>_ERROR, and every case that needs it fails with that reason (exit code 4).
 */
export async function startRunBrokers(patterns: Iterable<string>): Promise<RunBrokers> {
  const kinds = new Set<BrokerKind>();
  for (const p of patterns) {
    const kind = brokerOf(p);
    if (kind && brokerUrlFromEnv(kind) === undefined) kinds.add(kind);
  }
  const set: string[] = [];
  const setEnv = (name: string, value: string): void => {
    process.env[name] = value;
    set.push(name);
  };
  const started: RunningBroker[] = [];
  await Promise.all(
    [...kinds].map(async (kind) => {
      if (!canStartBroker(kind)) {
        const missing = brokerMissing(kind);
        setEnv(brokerErrorEnvVar(kind), `${missing.message}. To get one: ${missing.hint ?? ''}`);
        return;
      }
      try {
        const broker = await startBroker(kind);
        started.push(broker);
        setEnv(brokerEnvVar(kind), broker.url);
      } catch (err) {
        const e = err instanceof CommbenchError ? `${err.message} (${err.hint ?? ''})` : String(err);
        setEnv(brokerErrorEnvVar(kind), e);
      }
    }),
  );
  let stopped = false;
  return {
    started,
    async stop(how = 'graceful') {
      if (stopped) return;
      stopped = true;
      for (const name of set) delete process.env[name];
      await Promise.all(started.map((b) => b.stop(how)));
    },
  };
}

/** A broker for a queue pattern's server: the given URL, or a throwaway one it owns. */
export interface ServerBroker {
  readonly url: string;
  /** Set when the broker was started for this server (stopped with it). */
  readonly owned: RunningBroker | undefined;
  stop(): Promise<void>;
}

export async function brokerForServer(kind: BrokerKind): Promise<ServerBroker> {
  const url = brokerUrlFromEnv(kind);
  if (url !== undefined) return { url, owned: undefined, stop: () => Promise.resolve() };
  const reason = process.env[brokerErrorEnvVar(kind)];
  if (reason) throw new CommbenchError('E_SERVER_START', reason);
  if (!canStartBroker(kind)) {
    const missing = brokerMissing(kind);
    throw new CommbenchError('E_SERVER_START', `${missing.message}. To get one: ${missing.hint ?? ''}`);
  }
  const owned = await startBroker(kind);
  // Stopped with its server, which must stop within a second: a throwaway broker is simply killed.
  return { url: owned.url, owned, stop: () => owned.stop('kill') };
}

/** One line for `commbench list` or a notice: where the broker of `kind` would come from. */
export function brokerSource(kind: BrokerKind): string {
  if (brokerUrlFromEnv(kind) !== undefined) return `${brokerEnvVar(kind)} is set`;
  return canStartBroker(kind)
    ? `${brokers[kind].binary} is installed: a throwaway broker is started`
    : `${brokers[kind].binary} is not installed`;
}
