/**
 * Brokers at the two places the engine needs them:
 * - the runner, once per run (`startRunBrokers`): RabbitMQ takes seconds to start, so every case of
 *   a run shares one throwaway broker per kind; its URL reaches the cases' server child processes
 *   and clients through COMMBENCH_<KIND>_URL;
 * - a queue pattern's server (`brokerForServer`), which uses that URL, or, when it runs on its own
 *   (`commbench serve amqp`, tests), starts a throwaway broker of its own.
 */
import { CommbenchError } from '../errors.js';
import type { HelperProcess } from '../proc/usage.js';
import type { UnmeasuredProcess } from '../result/types.js';
import {
  brokerEnvVar,
  brokerErrorEnvVar,
  brokerMissing,
  brokers,
  brokerUrlFromEnv,
  canStartBroker,
  redactCredentials,
  startBroker,
  startedBrokerAt,
  type BrokerKind,
  type ProcUsage,
  type RunningBroker,
} from './index.js';

/** How a broker is named among a server's helper processes in results: 'broker:rabbitmq'. */
export function brokerRole(kind: BrokerKind): string {
  return `broker:${kind}`;
}

export interface RunBrokers {
  /** The brokers this run started (not those given by URL). */
  readonly started: readonly RunningBroker[];
  /** Stops what was started ('kill' after an interrupt: they are throwaway) and restores the environment. */
  stop(how?: 'graceful' | 'kill'): Promise<void>;
}

/**
 * Starts, in parallel, a throwaway broker for each of `kinds` (a run's patterns' brokers:
 * brokersFor in src/patterns/registry.ts) that has no URL yet. A broker that is missing or fails to start does not throw: its reason is put into
 * COMMBENCH_<KIND>_ERROR, and every case that needs it fails with that reason (exit code 4).
 */
export async function startRunBrokers(needed: Iterable<BrokerKind>): Promise<RunBrokers> {
  const kinds = new Set<BrokerKind>();
  for (const kind of needed) if (brokerUrlFromEnv(kind) === undefined) kinds.add(kind);
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
  /**
   * The owned broker as a helper process of the server (its CPU is the server's, RunningServer.helpers);
   * empty for a broker given by URL, which whoever started it measures (see brokerOfCase).
   */
  readonly helpers: readonly HelperProcess[];
  stop(): Promise<void>;
}

export async function brokerForServer(kind: BrokerKind): Promise<ServerBroker> {
  const url = brokerUrlFromEnv(kind);
  if (url !== undefined) return { url, owned: undefined, helpers: [], stop: () => Promise.resolve() };
  const reason = process.env[brokerErrorEnvVar(kind)];
  if (reason) throw new CommbenchError('E_SERVER_START', reason);
  if (!canStartBroker(kind)) {
    const missing = brokerMissing(kind);
    throw new CommbenchError('E_SERVER_START', `${missing.message}. To get one: ${missing.hint ?? ''}`);
  }
  const owned = await startBroker(kind);
  // Stopped with its server, which must stop within a second: a throwaway broker is simply killed.
  return {
    url: owned.url,
    owned,
    helpers: [{ role: brokerRole(kind), pid: owned.pid }],
    stop: () => owned.stop('kill'),
  };
}

/**
 * The broker a case's traffic goes through (`brokerOf` its pattern), as the engine measures it:
 * - `measured`: a broker this process started (the run's, or a test's): its CPU over the window is
 *   read here and reported as a server helper;
 * - `unmeasured`: a broker given by URL (--broker-url, COMMBENCH_<KIND>_URL) that is not ours: its
 *   CPU is not measured, and the result says so;
 * - neither: not a queue pattern, or the case's server starts a broker of its own and reports it
 *   in its helpers (ServerBroker.helpers).
 */
export function brokerOfCase(kind: BrokerKind | undefined): {
  readonly measured?: { readonly role: string; usage(): ProcUsage & { readonly pid: number } };
  readonly unmeasured?: UnmeasuredProcess;
} {
  if (!kind) return {};
  const url = brokerUrlFromEnv(kind);
  if (url === undefined) return {};
  const role = brokerRole(kind);
  let broker: RunningBroker | undefined;
  try {
    broker = startedBrokerAt(url);
  } catch {
    broker = undefined; // not a URL: the case fails on it, with its own message
  }
  if (!broker) {
    return {
      unmeasured: { role, reason: `${redactCredentials(url)} is a broker commbench did not start` },
    };
  }
  return { measured: { role, usage: () => ({ ...broker.usage(), pid: broker.pid }) } };
}

/** One line for `commbench list` or a notice: where the broker of `kind` would come from. */
export function brokerSource(kind: BrokerKind): string {
  if (brokerUrlFromEnv(kind) !== undefined) return `${brokerEnvVar(kind)} is set`;
  return canStartBroker(kind)
    ? `${brokers[kind].binary} is installed: a throwaway broker is started`
    : `${brokers[kind].binary} is not installed`;
}
