import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';

/**
 * Process plumbing for throwaway brokers: every broker runs in its own process group (so a Ctrl-C in
 * the terminal does not reach it and one kill stops all of its processes), and a watchdog shell holds
 * a pipe from this process: when this process dies for any reason, even SIGKILL, the pipe closes and
 * the watchdog kills the broker's groups and removes its temp dir.
 */

/** Extra folders searched after PATH: Debian puts rabbitmq-server and nats-server in sbin. */
const extraDirs = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/opt/homebrew/sbin', '/opt/homebrew/bin'];

/**
 * The executable `name` on PATH or in the usual sbin folders; undefined if none. Not resolved
 * through symlinks: redis-server is a link to a multi-call binary that looks at its own name.
 */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A sibling executable of `binary` (e.g. rabbitmqctl next to rabbitmq-server). */
export function sibling(binary: string, name: string): string {
  return join(dirname(binary), name);
}

/** `path` with symlinks resolved. */
export function realPath(path: string): string {
  return realpathSync(path);
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One spawned process, leader of its own process group. */
export interface GroupProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Last ~8 KiB of stdout and stderr together. */
  output(): string;
  readonly exited: Promise<ProcessExit>;
  readonly hasExited: boolean;
  /** SIGKILL to the whole group (synchronous; no-op once the leader has exited and nothing is left). */
  kill(): void;
  /**
   * Waits for the leader to exit, keeping this process alive meanwhile (the child is unref'd);
   * SIGKILLs the group after `killAfterMs`.
   */
  wait(killAfterMs: number): Promise<ProcessExit>;
}

export function spawnGroup(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): GroupProcess {
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let text = '';
  let hasExited = false;
  const onData = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-8192);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      hasExited = true;
      text += `\n${err.message}`;
      resolve({ code: null, signal: null });
    });
  });
  // Do not keep the event loop alive for a broker: its owner stops it, and the watchdog covers exits.
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  const pid = child.pid ?? -1;
  return {
    pid,
    child,
    output: () => text,
    exited,
    get hasExited() {
      return hasExited;
    },
    kill() {
      if (pid <= 0) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // group already gone
      }
    },
    async wait(killAfterMs) {
      if (hasExited) return exited;
      const keepAlive = setInterval(() => undefined, 1000);
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, killAfterMs);
      const exit = await exited;
      clearTimeout(timer);
      clearInterval(keepAlive);
      return exit;
    },
  };
}

/** The last few non-empty lines of a process's output, for error messages. */
export function lastLines(text: string, n = 3): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-n).join(' | ') || '(no output)';
}

/**
 * A shell that waits for EOF on its stdin (a pipe from this process), then SIGKILLs the given
 * process groups and removes `dir`. Ending its stdin on purpose runs the same cleanup.
 */
export interface Watchdog {
  /** Replaces the groups to kill (after a broker restart). */
  watch(groups: readonly number[]): void;
  /** Runs the cleanup now and waits for it (≤ 2 s). */
  finish(): Promise<void>;
  /** SIGKILLs the watchdog itself (its cleanup does not run). */
  kill(): void;
}

const watchdogScript = 'read _ignored; for g in "$@"; do kill -9 "-$g" 2>/dev/null; done; rm -rf -- "$0"';

export function startWatchdog(dir: string, groups: readonly number[]): Watchdog {
  let current: ChildProcess | undefined;
  const spawnOne = (pgids: readonly number[]): ChildProcess => {
    const child = spawn('sh', ['-c', watchdogScript, dir, ...pgids.map(String)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.unref();
    (child.stdin as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on('error', () => undefined);
    return child;
  };
  current = spawnOne(groups);
  const killChild = (child: ChildProcess | undefined): void => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  return {
    watch(pgids) {
      const previous = current;
      current = spawnOne(pgids);
      killChild(previous);
    },
    async finish() {
      const child = current;
      current = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin?.end();
      const timer = setTimeout(() => killChild(child), 2000);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      killChild(current);
      current = undefined;
    },
  };
}

export interface ProcUsage {
  /** User + system CPU time since the process started, µs. */
  readonly cpuUs: number;
  /** Peak resident set size, bytes. */
  readonly maxRssBytes: number;
}

const clockTicksPerSecond = 100;

/** CPU time and peak RSS of a process from /proc (Linux); zeros elsewhere or when it is gone. */
export function procUsage(pid: number): ProcUsage {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return { cpuUs: (ticks / clockTicksPerSecond) * 1e6, maxRssBytes: hwm ? Number(hwm[1]) * 1024 : 0 };
  } catch {
    return { cpuUs: 0, maxRssBytes: 0 };
  }
}

/** Parent pid of every process in /proc (Linux); empty elsewhere. */
function parents(): Map<number, number> {
  const byPid = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return byPid;
  }
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      byPid.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  return byPid;
}

/** `root` and every live process descending from it (a broker's wrapper shell, its VM and the VM's children). */
export function processTree(root: number): number[] {
  if (root <= 0) return [];
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const tree: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * CPU time and peak RSS of `root` and its descendants, summed (RabbitMQ's rabbitmq-server is a shell
 * whose child beam.smp does the work, with erl_child_setup and inet_gethost below it). CPU of a
 * descendant that already exited is not counted.
 */
export function treeUsage(root: number): ProcUsage {
  let cpuUs = 0;
  let maxRssBytes = 0;
  for (const pid of processTree(root)) {
    const u = procUsage(pid);
    cpuUs += u.cpuUs;
    maxRssBytes += u.maxRssBytes;
  }
  return { cpuUs, maxRssBytes };
}
