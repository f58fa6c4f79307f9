/**
 * The one place commbench starts child processes. Every child is the leader of its own process
 * group (`detached`), so a terminal's Ctrl-C reaches only the CLI, which stops its children itself,
 * and one `kill(-pgid)` ends a child with everything it started. Every child is in one live registry
 * that is SIGKILLed, group by group, when this process exits; a watchdog shell (startWatchdog) covers
 * the deaths no exit hook sees (SIGKILL of this process). Node children get an IPC channel and a
 * ready handshake (awaitReady) and exit by themselves when the channel closes.
 */
import { execFile, spawn, spawnSync, type ChildProcess, type IOType } from 'node:child_process';
import type { ChildEntry } from './child-args.js';
import { allowedCpus, formatCpuList, nofileArgv, openFilesLimit, placementArgv } from './placement.js';

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** How a child is placed and limited (Linux, util-linux: taskset, prlimit). */
export interface ChildLimits {
  /** CPUs the child and all of its threads may run on (`taskset -c`); absent: wherever this process may. */
  readonly cpus?: readonly number[];
  /** Its RLIMIT_NOFILE, soft and hard (`prlimit --nofile=N:N`); absent: inherited. */
  readonly nofile?: number;
}

export interface SpawnOptions extends ChildLimits {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /**
   * 'output' (default): stdout and stderr piped, the last `tailBytes` kept for output();
   * 'node': a node child with an IPC channel (JSON), stdout inherited, stderr kept.
   */
  readonly stdio?: 'output' | 'node';
  /** Bytes of output kept for error messages (default 8 KiB). */
  readonly tailBytes?: number;
  /** Do not keep this process's event loop alive for the child (its owner stops it; the watchdog covers exits). */
  readonly unref?: boolean;
}

/** One child process, leader of its own process group. */
export interface GroupProcess {
  /** Its pid, also its process group id; -1 when it could not be started. */
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last `tailBytes` of what it wrote (stdout and stderr, or stderr for node children). */
  output(): string;
  readonly exited: Promise<ProcessExit>;
  readonly hasExited: boolean;
  /** Sends `signal` (default SIGKILL) to the whole group; synchronous, never throws. */
  kill(signal?: NodeJS.Signals): void;
  /**
   * Waits for the leader to exit, keeping this process alive meanwhile; SIGKILLs the group after
   * `killAfterMs`.
   */
  wait(killAfterMs: number): Promise<ProcessExit>;
}

const live = new Set<GroupProcess>();
let exitHookInstalled = false;

/** SIGKILLs the group of every child this process started and that is still alive (synchronous). */
export function killAllChildren(): void {
  for (const p of live) p.kill('SIGKILL');
  live.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllChildren);
}

/** Starts `command` in its own process group (through taskset / prlimit when `opts` asks). */
export function spawnGroup(command: string, args: readonly string[], opts: SpawnOptions = {}): GroupProcess {
  installExitHook();
  const nofile = opts.nofile === undefined ? undefined : obtainableNofile(opts.nofile);
  const argv = [...placementArgv(opts.cpus), ...nofileArgv(nofile), command, ...args];
  const mode = opts.stdio ?? 'output';
  const stdio: IOType[] | ['ignore', 'inherit', 'pipe', 'ipc'] =
    mode === 'node' ? ['ignore', 'inherit', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = spawn(argv[0] as string, argv.slice(1), {
    detached: true,
    stdio,
    env: opts.env ?? process.env,
    ...(mode === 'node' ? { serialization: 'json' as const } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  // A message or a write to a child that has just exited fails asynchronously (EPIPE); its exit is handled below.
  child.stdin?.on('error', () => undefined);
  const tailBytes = opts.tailBytes ?? 8192;
  let text = '';
  let hasExited = false;
  const onData = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-tailBytes);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const pid = child.pid ?? -1;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      live.delete(proc);
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) return; // EPIPE on IPC
      hasExited = true;
      live.delete(proc);
      text += `\n${err.message}`;
      resolve({ code: null, signal: null });
    });
  });
  if (opts.unref) {
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr])
      (s as { unref?: () => void } | null)?.unref?.();
  }
  const kill = (signal: NodeJS.Signals = 'SIGKILL'): void => {
    if (pid <= 0) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // group already gone
    }
  };
  const proc: GroupProcess = {
    pid,
    child,
    output: () => text,
    exited,
    get hasExited() {
      return hasExited;
    },
    kill,
    async wait(killAfterMs) {
      if (hasExited) return exited;
      const keepAlive = setInterval(() => undefined, 1000);
      const timer = setTimeout(() => kill('SIGKILL'), killAfterMs);
      const exit = await exited;
      clearTimeout(timer);
      clearInterval(keepAlive);
      return exit;
    },
  };
  if (pid > 0) live.add(proc);
  return proc;
}

/**
 * Starts a node entry module (childEntry) in its own process group with an IPC channel; `env`
 * is added to this process's environment. stderr is kept for error messages (output()).
 */
export function forkGroup(
  entry: ChildEntry,
  env: NodeJS.ProcessEnv,
  opts: ChildLimits & { tailBytes?: number } = {},
): GroupProcess {
  return spawnGroup(process.execPath, [...entry.execArgv, entry.path], {
    ...opts,
    env: { ...process.env, ...env },
    stdio: 'node',
  });
}

/** Why a node child did not become ready. */
export type NotReady =
  | { readonly reason: 'timeout' }
  | { readonly reason: 'exit'; readonly exit: ProcessExit }
  | { readonly reason: 'error'; readonly message: string; readonly code?: string };

/**
 * The ready handshake: resolves with the child's first `{ type: 'ready' }` message; rejects with a
 * NotReady when it sends `{ type: 'error', message, code? }`, exits, or says nothing for
 * `timeoutMs` (then it is SIGKILLed).
 */
export function awaitReady<Ready extends { type: 'ready' }>(
  proc: GroupProcess,
  timeoutMs: number,
): Promise<Ready> {
  const child = proc.child;
  return new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      proc.kill('SIGKILL');
      reject({ reason: 'timeout' } satisfies NotReady);
    }, timeoutMs);
    const onMessage = (m: { type?: unknown; message?: unknown; code?: unknown }): void => {
      if (m.type === 'ready') {
        cleanup();
        resolve(m as Ready);
      } else if (m.type === 'error') {
        cleanup();
        reject({
          reason: 'error',
          message: String(m.message),
          ...(typeof m.code === 'string' ? { code: m.code } : {}),
        } satisfies NotReady);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject({ reason: 'exit', exit: { code, signal } } satisfies NotReady);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (proc.hasExited) onExit(child.exitCode, child.signalCode);
  });
}

export function isNotReady(err: unknown): err is NotReady {
  return typeof err === 'object' && err !== null && 'reason' in err && !(err instanceof Error);
}

/**
 * A shell that waits for EOF on its stdin (a pipe from this process), then SIGKILLs the given
 * process groups and removes `dir`. When this process dies for any reason, even SIGKILL, the pipe
 * closes and the cleanup runs. Ending its stdin on purpose (finish) runs the same cleanup.
 */
export interface Watchdog {
  /** Replaces the groups to kill (after a restart). */
  watch(groups: readonly number[]): void;
  /** Runs the cleanup now and waits for it (≤ 2 s). */
  finish(): Promise<void>;
  /** SIGKILLs the watchdog itself (its cleanup does not run). */
  kill(): void;
}

const watchdogScript = 'read _ignored; for g in "$@"; do kill -9 "-$g" 2>/dev/null; done; rm -rf -- "$0"';

export function startWatchdog(dir: string, groups: readonly number[]): Watchdog {
  // Not in the live registry: the exit hook must not kill it before it has run its cleanup.
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
  let current: ChildProcess | undefined = spawnOne(groups);
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

/** Runs a short command to completion (no process group: it is waited for); never rejects. */
export function runCommand(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
      (err, stdout, stderr) => resolve({ ok: err === null, output: `${stdout}${stderr}` }),
    );
  });
}

/** Runs a short command synchronously (no process group); its stdout when it exited with 0. */
export function runCommandSync(
  command: string,
  args: readonly string[],
  timeoutMs: number,
): string | undefined {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * Starts a program the user keeps (a browser) detached from this process, without waiting for
 * it: resolves true once it started, false when it could not start.
 */
export function startDetached(command: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

const nofileProbes = new Map<number, boolean>();

/**
 * `wanted`, when this process may give a child that many open files: up to its own hard limit
 * always; above it only with CAP_SYS_RESOURCE (probed once with `prlimit … true`). Otherwise the
 * hard limit: the child gets as many as it can, and reads back what it got (openFilesLimit).
 */
export function obtainableNofile(wanted: number): number {
  const hard = openFilesLimit('self')?.hard ?? wanted;
  if (wanted <= hard) return wanted;
  let ok = nofileProbes.get(wanted);
  if (ok === undefined) {
    ok = spawnSync('prlimit', [`--nofile=${wanted}:${wanted}`, '--', 'true'], { timeout: 2000 }).status === 0;
    nofileProbes.set(wanted, ok);
  }
  return ok ? wanted : hard;
}

/**
 * Raises this process's RLIMIT_NOFILE (soft and hard) to `wanted` when it is lower, with
 * `prlimit --pid` (needs CAP_SYS_RESOURCE above the hard limit; the soft limit goes up to the hard
 * one without). Returns the soft limit it has afterwards, and whether raising it was refused.
 */
export function raiseOwnNofile(wanted: number): { limit: number; refused: boolean } {
  const before = openFilesLimit('self');
  if (!before || before.soft >= wanted) return { limit: before?.soft ?? wanted, refused: false };
  const target = Math.max(wanted, before.hard);
  const raised =
    spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${target}`], { timeout: 2000 })
      .status === 0;
  if (!raised && before.soft < before.hard) {
    spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${before.hard}:${before.hard}`], {
      timeout: 2000,
    });
  }
  const after = openFilesLimit('self')?.soft ?? before.soft;
  return { limit: after, refused: after < wanted };
}

/**
 * Pins this process and all of its threads (the driver, its worker threads, libuv's pool) to
 * `cpus` with `taskset -a -p`; threads and children started later inherit it. Returns a function
 * that restores the CPUs it had before. Throws when taskset fails.
 */
export function pinThisProcess(cpus: readonly number[]): () => void {
  const before = allowedCpus('self');
  setAffinity(cpus);
  return () => {
    if (before) setAffinity(before);
  };
}

function setAffinity(cpus: readonly number[]): void {
  const list = formatCpuList(cpus);
  const r = spawnSync('taskset', ['-a', '-p', '-c', list, String(process.pid)], {
    encoding: 'utf8',
    timeout: 5000,
  });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim();
    throw new Error(`taskset could not pin the driver to CPU ${list}: ${why}`);
  }
}
