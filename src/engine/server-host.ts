import type { ChildProcess } from 'node:child_process';
import { CommbenchError } from '../errors.js';
import type { HelperProcess } from '../toolkit/contract.js';
import { awaitReady, forkGroup, isNotReady, type ChildLimits, type ProcessExit } from '../proc/spawn.js';
import { openFilesLimit } from '../proc/placement.js';
import { processFootprint, procUsage, type Footprint } from '../proc/usage.js';
import { childEntry } from '../proc/child-args.js';

/** How a server child process is started (passed in its environment as JSON). */
export interface ServerConfig {
  readonly pattern: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly delayMs: number;
}

/** IPC messages, parent → server. */
export type ToServer = { type: 'usage' } | { type: 'stop' } | { type: 'gc' };
/** IPC messages, server → parent. */
export type ToParent =
  | { type: 'ready'; url: string; pid: number; helpers?: readonly HelperProcess[] }
  | { type: 'error'; code: string; message: string }
  | ({ type: 'usage' | 'stopped' } & ServerUsage)
  | { type: 'gc-done' };

export interface ServerUsage {
  /** User + system CPU time of the server process since it started, µs. */
  readonly cpuUs: number;
  /** Peak resident set size, bytes. */
  readonly maxRssBytes: number;
  /** The server's helper processes (RunningServer.helpers), read from /proc; absent without them or /proc. */
  readonly helpers?: readonly HelperUsage[];
  /** The server's own counts since it started (RunningServer.counters); absent when it keeps none or did not answer. */
  readonly counters?: Readonly<Record<string, number>>;
}

/** Sums counters by name (several server processes); undefined when none has any. */
export function sumCounters(
  all: readonly (Readonly<Record<string, number>> | undefined)[],
): Record<string, number> | undefined {
  const present = all.filter((c) => c !== undefined);
  if (present.length === 0) return undefined;
  const sum: Record<string, number> = {};
  for (const c of present) for (const [k, v] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}

/** CPU time (µs, since it started) and peak RSS (bytes) of one helper process. */
export interface HelperUsage {
  readonly role: string;
  readonly cpuUs: number;
  readonly maxRssBytes: number;
}

/** How a server process ended. */
export type ServerExit = ProcessExit;

/** A pattern's echo server running in its own process. */
export interface ServerProcess {
  readonly pid: number;
  readonly url: string;
  /**
   * Every server process's URL, one port each (`server.processes`): the driver spreads connection i
   * over `urls[i % urls.length]`. [url] for one process.
   */
  readonly urls: readonly string[];
  /** Every server process's pid (`pid` is the first's). */
  readonly pids: readonly number[];
  /** Processes the server started to carry its traffic (from its ready message). */
  readonly helpers: readonly HelperProcess[];
  /**
   * The server's RLIMIT_NOFILE (soft) as obtained, read from /proc after it started: what
   * `limits.nofile` asked for, or less when this process may not grant that many; undefined without /proc.
   */
  readonly openFiles: number | undefined;
  /** CPU so far (µs, asked over IPC; from /proc when the server cannot answer, e.g. stopped) and peak RSS. */
  usage(): Promise<ServerUsage>;
  /** Current resident memory and open file descriptors (Linux /proc; undefined elsewhere). */
  footprint(): Footprint | undefined;
  /** Asks the server to run a full garbage collection (before reading its footprint); at most 2 s. */
  collectGarbage(): Promise<void>;
  /** Asks the server to stop cleanly; kills it after `graceMs`. Returns its final usage. */
  stop(graceMs?: number): Promise<ServerUsage | undefined>;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ServerExit>;
  /** True once the process has exited. */
  readonly hasExited: boolean;
}

const startTimeoutMs = 15_000;

/** Kills every child process still alive, servers included (bench/ calls it by this name). */
export { killAllChildren as killAllServers } from '../proc/spawn.js';

/** Where and how the server process runs (Linux): CPUs it is pinned to, its open-file limit. */
export type ServerPlacement = ChildLimits;

export async function startServerProcess(
  config: ServerConfig,
  limits: ServerPlacement = {},
): Promise<ServerProcess> {
  const entry = childEntry(import.meta.url, 'server-main');
  // Its own process group: a terminal's Ctrl-C reaches only the CLI, which stops the server itself
  // (keeping its final usage); the server still exits when the CLI's IPC channel goes away.
  const proc = forkGroup(
    entry,
    { COMMBENCH_SERVER_CONFIG: JSON.stringify(config) },
    { ...limits, tailBytes: 4000 },
  );
  const child = proc.child;
  const exited = proc.exited;
  const hint = (): string =>
    lastLine(proc.output()) ?? 'run `commbench serve ' + config.pattern + '` to see its output';
  const ready = await awaitReady<Extract<ToParent, { type: 'ready' }>>(proc, startTimeoutMs).catch(
    (err: unknown) => {
      if (!isNotReady(err)) throw err;
      if (err.reason === 'error')
        throw startError(config, { code: err.code ?? 'ESTART', message: err.message });
      const why =
        err.reason === 'timeout'
          ? `did not start within ${startTimeoutMs / 1000}s`
          : `exited during start (${err.exit.signal ?? `code ${err.exit.code}`})`;
      throw new CommbenchError('E_SERVER_START', `${config.pattern} server ${why}`, { hint: hint() });
    },
  );
  const helpers = ready.helpers ?? [];

  const pid = child.pid as number;
  return {
    pid,
    url: ready.url,
    urls: [ready.url],
    pids: [pid],
    helpers,
    openFiles: openFilesLimit(pid)?.soft,
    get hasExited() {
      return proc.hasExited;
    },
    exited,
    usage: () => readUsage(child, helpers),
    footprint: () => processFootprint(pid),
    collectGarbage: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve();
        };
        const onMessage = (m: ToParent): void => {
          if (m.type === 'gc-done') done();
        };
        const timer = setTimeout(done, 2000);
        child.on('message', onMessage);
        try {
          child.send({ type: 'gc' } satisfies ToServer);
        } catch {
          done();
        }
      }),
    async stop(graceMs = 2000) {
      if (proc.hasExited) return undefined;
      const stopped = new Promise<ServerUsage | undefined>((resolve) => {
        child.on('message', (m: ToParent) => {
          if (m.type === 'stopped') resolve({ cpuUs: m.cpuUs, maxRssBytes: m.maxRssBytes });
        });
        void exited.then(() => resolve(undefined));
      });
      if (child.connected) child.send({ type: 'stop' } satisfies ToServer);
      else proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const final = await stopped;
      await exited;
      clearTimeout(timer);
      return final;
    },
  };
}

function startError(config: ServerConfig, m: { code: string; message: string }): CommbenchError {
  if (m.code === 'EADDRINUSE') {
    return new CommbenchError('E_PORT_IN_USE', `port ${config.port} on ${config.host} is already in use`, {
      hint: `choose another port, or find the process holding it with: ss -ltnp 'sport = :${config.port}'`,
    });
  }
  if (m.code === 'EADDRNOTAVAIL' || m.code === 'EACCES') {
    return new CommbenchError(
      'E_SERVER_START',
      `cannot listen on ${config.host}:${config.port}: ${m.message}`,
      {
        hint: 'use a local address (127.0.0.1, ::1) and a port above 1023',
      },
    );
  }
  return new CommbenchError('E_SERVER_START', `${config.pattern} server failed to start: ${m.message}`, {
    hint: `run \`commbench serve ${config.pattern}\` to see its output`,
  });
}

function lastLine(text: string): string | undefined {
  const lines = text.trim().split('\n');
  const line = lines[lines.length - 1];
  return line === undefined || line === '' ? undefined : `server said: ${line}`;
}

/** A helper that has exited reads as zero (its CPU is lost with it). */
function helperUsage(helper: HelperProcess): HelperUsage {
  return { role: helper.role, ...procUsage(helper.pid) };
}

/** How long to wait for the server's own µs-precise CPU figure before reading /proc instead. */
const ipcUsageTimeoutMs = 250;

/**
 * CPU time and peak RSS of the server: asked over IPC (process.resourceUsage(), µs precision),
 * or read from /proc (10 ms ticks) when the server does not answer in time — e.g. while it is
 * stopped with SIGSTOP. Helper processes (hops, proxies) are always read from /proc.
 */
function readUsage(child: ChildProcess, helpers: readonly HelperProcess[]): Promise<ServerUsage> {
  const withHelpers = (own: Omit<ServerUsage, 'helpers'>): ServerUsage =>
    helpers.length > 0 ? { ...own, helpers: helpers.map(helperUsage) } : own;
  const fromProc = (): ServerUsage => withHelpers(procUsage(child.pid as number));
  if (!child.connected) return Promise.resolve(fromProc());
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(fromProc());
    }, ipcUsageTimeoutMs);
    const onMessage = (m: ToParent): void => {
      if (m.type !== 'usage') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      const own = { cpuUs: m.cpuUs, maxRssBytes: m.maxRssBytes };
      resolve(withHelpers(m.counters ? { ...own, counters: m.counters } : own));
    };
    child.on('message', onMessage);
    try {
      child.send({ type: 'usage' } satisfies ToServer);
    } catch {
      // The channel closed in between: the timer falls back to /proc.
    }
  });
}

/**
 * `count` server processes of one pattern, each on its own port, presented as one: usage and
 * footprint are summed over them (per-connection figures divide the sum by all connections), a
 * collection or a stop reaches every one, and the group has exited when any one has (a crash).
 * One process: startServerProcess itself. A failed start stops the others.
 */
export async function startServerProcesses(
  config: ServerConfig,
  limits: ServerPlacement,
  count: number,
): Promise<ServerProcess> {
  if (count <= 1) return startServerProcess(config, limits);
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startServerProcess({ ...config, port: 0 }, limits)),
  );
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.allSettled(servers.map((s) => s.stop()));
    throw failed.reason;
  }
  const first = servers[0] as ServerProcess;
  const sumUsage = (all: readonly ServerUsage[]): ServerUsage => {
    const helpers = all.flatMap((u) => u.helpers ?? []);
    const counters = sumCounters(all.map((u) => u.counters));
    return {
      cpuUs: all.reduce((a, u) => a + u.cpuUs, 0),
      maxRssBytes: all.reduce((a, u) => a + u.maxRssBytes, 0),
      ...(helpers.length > 0 ? { helpers } : {}),
      ...(counters ? { counters } : {}),
    };
  };
  return {
    pid: first.pid,
    url: first.url,
    urls: servers.map((s) => s.url),
    pids: servers.map((s) => s.pid),
    helpers: servers.flatMap((s) => s.helpers),
    openFiles: servers.some((s) => s.openFiles === undefined)
      ? undefined
      : Math.min(...servers.map((s) => s.openFiles as number)),
    get hasExited() {
      return servers.some((s) => s.hasExited);
    },
    exited: Promise.race(servers.map((s) => s.exited)),
    usage: async () => sumUsage(await Promise.all(servers.map((s) => s.usage()))),
    footprint: () => {
      const all = servers.map((s) => s.footprint());
      if (all.some((f) => f === undefined)) return undefined;
      return {
        rssBytes: all.reduce((a, f) => a + (f as Footprint).rssBytes, 0),
        fds: all.reduce((a, f) => a + (f as Footprint).fds, 0),
      };
    },
    collectGarbage: async () => {
      await Promise.all(servers.map((s) => s.collectGarbage()));
    },
    async stop(graceMs) {
      const finals = await Promise.all(servers.map((s) => s.stop(graceMs)));
      return finals.every((f) => f !== undefined) ? sumUsage(finals as ServerUsage[]) : undefined;
    },
  };
}
