import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { CommbenchError } from '../errors.js';
import type { HelperProcess } from '../patterns/types.js';
import { childEntry } from './child-args.js';

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
}

/** CPU time (µs, since it started) and peak RSS (bytes) of one helper process. */
export interface HelperUsage {
  readonly role: string;
  readonly cpuUs: number;
  readonly maxRssBytes: number;
}

export interface Footprint {
  readonly rssBytes: number;
  readonly fds: number;
}

export interface ServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A pattern's echo server running in its own process. */
export interface ServerProcess {
  readonly pid: number;
  readonly url: string;
  /** Processes the server started to carry its traffic (from its ready message). */
  readonly helpers: readonly HelperProcess[];
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
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every server process still alive (used on abnormal exit of the CLI). */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export async function startServerProcess(config: ServerConfig): Promise<ServerProcess> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllServers);
  }
  const entry = childEntry(import.meta.url, 'server-main');
  const child = fork(entry.path, [], {
    execArgv: entry.execArgv,
    env: { ...process.env, COMMBENCH_SERVER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'json',
    // Its own process group: a terminal's Ctrl-C reaches only the CLI, which stops the server itself
    // (keeping its final usage); the server still exits when the CLI's IPC channel goes away.
    detached: true,
  });
  // A message to a server that has just exited fails asynchronously (EPIPE); its exit is handled below.
  child.on('error', () => undefined);
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let hasExited = false;
  const exited = new Promise<ServerExit>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });

  const ready = await new Promise<{ url: string; helpers: readonly HelperProcess[] }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new CommbenchError(
          'E_SERVER_START',
          `${config.pattern} server did not start within ${startTimeoutMs / 1000}s`,
          {
            hint: lastLine(stderr) ?? 'run `commbench serve ' + config.pattern + '` to see its output',
          },
        ),
      );
    }, startTimeoutMs);
    const onMessage = (m: ToParent): void => {
      if (m.type === 'ready') {
        cleanup();
        resolve({ url: m.url, helpers: m.helpers ?? [] });
      } else if (m.type === 'error') {
        cleanup();
        reject(startError(config, m));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(
        new CommbenchError(
          'E_SERVER_START',
          `${config.pattern} server exited during start (${signal ?? `code ${code}`})`,
          { hint: lastLine(stderr) ?? 'run `commbench serve ' + config.pattern + '` to see its output' },
        ),
      );
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

  const pid = child.pid as number;
  return {
    pid,
    url: ready.url,
    helpers: ready.helpers,
    get hasExited() {
      return hasExited;
    },
    exited,
    usage: () => readUsage(child, ready.helpers),
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
      if (hasExited) return undefined;
      const stopped = new Promise<ServerUsage | undefined>((resolve) => {
        child.on('message', (m: ToParent) => {
          if (m.type === 'stopped') resolve({ cpuUs: m.cpuUs, maxRssBytes: m.maxRssBytes });
        });
        void exited.then(() => resolve(undefined));
      });
      if (child.connected) child.send({ type: 'stop' } satisfies ToServer);
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
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

const clockTicksPerSecond = 100;

/** CPU time and peak RSS of one process from /proc (Linux); throws where /proc is missing. */
function procUsage(pid: number): { cpuUs: number; maxRssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (3rd field of stat); utime and stime are the 14th and 15th.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  return { cpuUs: (ticks / clockTicksPerSecond) * 1e6, maxRssBytes: hwm ? Number(hwm[1]) * 1024 : 0 };
}

/** A helper that has exited reads as zero (its CPU is lost with it). */
function helperUsage(helper: HelperProcess): HelperUsage {
  try {
    return { role: helper.role, ...procUsage(helper.pid) };
  } catch {
    return { role: helper.role, cpuUs: 0, maxRssBytes: 0 };
  }
}

/** How long to wait for the server's own µs-precise CPU figure before reading /proc instead. */
const ipcUsageTimeoutMs = 250;

/**
 * CPU time and peak RSS of the server: asked over IPC (process.resourceUsage(), µs precision),
 * or read from /proc (10 ms ticks) when the server does not answer in time — e.g. while it is
 * stopped with SIGSTOP. Helper processes (hops, proxies) are always read from /proc.
 */
function readUsage(child: ChildProcess, helpers: readonly HelperProcess[]): Promise<ServerUsage> {
  const withHelpers = (own: { cpuUs: number; maxRssBytes: number }): ServerUsage =>
    helpers.length > 0 ? { ...own, helpers: helpers.map(helperUsage) } : own;
  const fromProc = (): ServerUsage => {
    try {
      return withHelpers(procUsage(child.pid as number));
    } catch {
      return withHelpers({ cpuUs: 0, maxRssBytes: 0 });
    }
  };
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
      resolve(withHelpers({ cpuUs: m.cpuUs, maxRssBytes: m.maxRssBytes }));
    };
    child.on('message', onMessage);
    try {
      child.send({ type: 'usage' } satisfies ToServer);
    } catch {
      // The channel closed in between: the timer falls back to /proc.
    }
  });
}

/** Current RSS and open fds of a process, from /proc (Linux); undefined where /proc is missing. */
export function processFootprint(pid: number): Footprint | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return { rssBytes: rss ? Number(rss[1]) * 1024 : 0, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}
