/**
 * Real brokers for the queue patterns (never mocks; docs/architecture.md, Conventions). Order of preference:
 * 1. a URL given with `--broker-url` (or the COMMBENCH_<KIND>_URL environment variable);
 * 2. a throwaway broker started here, when its binary is installed: free loopback ports, data, logs
 *    and node name in a temp dir, its own process group, a watchdog that kills it if this process
 *    dies; stopped (and the dir removed) by `stop()`; killed with every other child on process exit (src/proc);
 * 3. otherwise a CommbenchError (exit code 4) that says how to get one.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommbenchError } from '../errors.js';
import { brokerBinary, makeLauncher, type Instance, type Launcher } from './launchers.js';
import { brokerMissing, brokers, type BrokerKind } from './kinds.js';
import { waitAccepting } from '../proc/net.js';
import { startWatchdog, type ProcessExit } from '../proc/spawn.js';
import { lastLines, treeUsage, type ProcUsage } from '../proc/usage.js';

export * from './kinds.js';
export type { ProcessExit } from '../proc/spawn.js';
export type { ProcUsage } from '../proc/usage.js';

export interface RunningBroker {
  readonly kind: BrokerKind;
  /** Where clients reach it, e.g. 'amqp://127.0.0.1:40123' (no credentials: the defaults apply). */
  readonly url: string;
  /** OS pid of the broker's main process (beam.smp for RabbitMQ); changes on restart. */
  readonly pid: number;
  /** Its temp dir (data, logs, node name, cookie); removed when it stops. */
  readonly dir: string;
  /** Settles if the broker exits on its own (not through stop() or restart()). */
  readonly exited: Promise<ProcessExit>;
  readonly hasExited: boolean;
  /**
   * CPU time (µs) and peak RSS of the broker's processes so far: the one it was started as and all
   * of its descendants (beam.smp and its helpers for RabbitMQ), read from /proc. Starts again from
   * zero after restart().
   */
  usage(): ProcUsage;
  /**
   * Kills the broker as a crash would (SIGKILL), waits `downMs`, and starts it again on the same
   * port with the same data dir; resolves when it accepts connections again.
   */
  restart(downMs?: number): Promise<void>;
  /** 'graceful' (default): the broker's own shutdown, killed after 20 s; 'kill': SIGKILL now. Idempotent. */
  stop(how?: 'graceful' | 'kill'): Promise<void>;
}

const readyTimeoutMs = 60_000;

/** Brokers started by this process, by URL: the fault hooks of the queue patterns restart them. */
const byUrl = new Map<string, RunningBroker>();

/** The running broker this process started at `url` (host and port compared), if any. */
export function startedBrokerAt(url: string | URL): RunningBroker | undefined {
  const u = new URL(String(url));
  for (const [key, broker] of byUrl) {
    const k = new URL(key);
    if (k.hostname === u.hostname && k.port === u.port && !broker.hasExited) return broker;
  }
  return undefined;
}

/** True when the binary of `kind` is installed (a throwaway broker can be started). */
export function canStartBroker(kind: BrokerKind): boolean {
  return brokerBinary(kind) !== undefined;
}

/** Starts a throwaway broker of `kind`; rejects with E_SERVER_START when it is missing or fails. */
/** A start that failed because a port chosen free was taken before the broker bound it. */
const portRace = /already_used|eaddrinuse|address already in use/i;

/**
 * Starts a throwaway broker of `kind`. Its ports are chosen free just before it starts; when another
 * process takes one in between (the broker exits saying so), it is started again on new ports, at
 * most three times in all.
 */
export async function startBroker(kind: BrokerKind): Promise<RunningBroker> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBrokerOnce(kind);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !portRace.test(err.message)) throw err;
    }
  }
}

async function startBrokerOnce(kind: BrokerKind): Promise<RunningBroker> {
  const binary = brokerBinary(kind);
  if (!binary) throw brokerMissing(kind);
  const dir = await mkdtemp(join(tmpdir(), `commbench-${kind}-`));
  const launcher = await makeLauncher(kind, binary, dir);
  const watchdog = startWatchdog(
    dir,
    launcher.companions.map((c) => c.pid),
  );
  let instance: Instance | undefined;
  let stopping = false;
  let restarting = false;
  let hasExited = false;
  let resolveExited: (exit: ProcessExit) => void = () => undefined;
  const exited = new Promise<ProcessExit>((resolve) => (resolveExited = resolve));

  const groups = (): number[] => [
    ...(instance?.groups ?? []).map((g) => g.pid),
    ...launcher.companions.map((c) => c.pid),
  ];
  const killNow = (): void => {
    for (const g of instance?.groups ?? []) g.kill();
    for (const c of launcher.companions) c.kill();
  };

  const launch = async (): Promise<void> => {
    const started = await launcher.start();
    instance = started;
    watchdog.watch(groups());
    void started.main.exited.then((exit) => {
      if (stopping || restarting || instance !== started) return;
      hasExited = true;
      resolveExited(exit);
    });
    await waitReady(kind, launcher, started);
  };

  const stop = async (how: 'graceful' | 'kill' = 'graceful'): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const current = instance;
    if (current && !current.main.hasExited) {
      if (how === 'graceful') {
        const exit = current.main.wait(20_000);
        await launcher.shutdown(current);
        await exit;
      }
      killNow();
      await current.main.wait(0);
    }
    for (const c of launcher.companions) c.kill();
    await Promise.all(launcher.companions.map((c) => c.wait(0)));
    await watchdog.finish();
    byUrl.delete(launcher.url);
  };

  try {
    await launch();
  } catch (err) {
    await stop('kill');
    throw new CommbenchError(
      'E_SERVER_START',
      `could not start ${brokers[kind].title} (${binary}): ${err instanceof Error ? err.message : String(err)}`,
      { hint: `its logs were in ${dir}; or pass --broker-url to use a running broker`, cause: err },
    );
  }

  const broker: RunningBroker = {
    kind,
    url: launcher.url,
    dir,
    exited,
    get hasExited() {
      return hasExited;
    },
    get pid() {
      return instance?.mainPid() ?? -1;
    },
    usage: () => treeUsage(instance?.main.pid ?? -1),
    async restart(downMs = 0) {
      if (stopping) throw new Error('broker is stopping');
      restarting = true;
      try {
        const current = instance;
        if (current) {
          for (const g of current.groups) g.kill();
          await current.main.wait(0);
        }
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        if (!stopping) await launch();
      } finally {
        restarting = false;
      }
    },
    stop,
  };
  byUrl.set(launcher.url, broker);
  return broker;
}

/** Polls the broker's port until it accepts a TCP connection (RabbitMQ opens it last in its boot). */
async function waitReady(kind: BrokerKind, launcher: Launcher, instance: Instance): Promise<void> {
  const state = await waitAccepting('127.0.0.1', launcher.port, {
    timeoutMs: readyTimeoutMs,
    abandon: () => instance.main.hasExited,
  });
  if (state === 'abandoned') {
    throw new Error(`${brokers[kind].binary} exited during start: ${lastLines(instance.main.output())}`);
  }
  if (state === 'timeout') {
    throw new Error(`not ready within ${readyTimeoutMs / 1000}s: ${lastLines(instance.main.output())}`);
  }
}
