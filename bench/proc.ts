/**
 * Child processes of the self-benchmark: spawned by us, sampled through /proc, bounded in time and
 * killed only by their own PID.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Clock ticks per second of utime/stime in /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const clockTicksPerSecond = 100;
const sampleEveryMs = 100;

/** One CPU reading: bench clock (performance.now(), ms) and CPU times, µs. */
export interface CpuSample {
  readonly t: number;
  /** Driver user + system time. */
  readonly driverCpuUs: number;
  /** Driver system (kernel) time alone: on loopback mostly the TCP stack of both ends. */
  readonly driverSysUs: number;
  readonly serverCpuUs: number;
  /** CPU time of the whole machine (every process, every core), from /proc/stat. */
  readonly machineCpuUs: number;
}

/**
 * User and system CPU time of a process and all its threads, µs (from /proc/<pid>/stat, 10 ms
 * resolution); undefined once the process is gone or off Linux.
 */
export function processCpuUs(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the 3rd field of stat (state); utime and stime are the 14th and 15th.
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    if (!Number.isFinite(user) || !Number.isFinite(system)) return undefined;
    return { user: (user / clockTicksPerSecond) * 1e6, system: (system / clockTicksPerSecond) * 1e6 };
  } catch {
    return undefined;
  }
}

/** Busy CPU time of the whole machine, µs: /proc/stat's first line less idle and iowait. */
export function machineCpuUs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = ticks.reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
    return Number.isFinite(busy) ? (busy / clockTicksPerSecond) * 1e6 : 0;
  } catch {
    return 0;
  }
}

export interface ToolRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Bench clock (ms) at spawn and at exit. */
  readonly spawnedAt: number;
  readonly exitedAt: number;
  readonly samples: readonly CpuSample[];
  /** True when the run outlived its limit and was killed. */
  readonly killed: boolean;
}

export interface RunToolOptions {
  /** The run is killed (SIGTERM, then SIGKILL 2 s later) when it lasts longer than this, ms. */
  readonly limitMs: number;
  /** The server's CPU so far (ServerProcess.usage(), which reads /proc/<pid>/stat as well). */
  readonly serverUsage: () => Promise<{ readonly cpuUs: number }>;
  readonly signal?: AbortSignal;
}

/** The process currently running, so that an interrupt can stop it (by its PID, nothing else). */
let current: { pid: number } | undefined;

/** Stops the tool process that is running now, if any (SIGTERM by PID). */
export function stopCurrentTool(): void {
  if (current) {
    try {
      process.kill(current.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/**
 * Runs `command args` to completion, sampling its CPU and the server's every 100 ms. Never throws
 * for a failing tool: the exit code and output are returned for the caller to judge.
 */
export function runTool(command: string, args: readonly string[], opts: RunToolOptions): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const spawnedAt = performance.now();
    let stdout = '';
    let stderr = '';
    let killed = false;
    const samples: CpuSample[] = [];
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-20_000)));
    const pid = child.pid;
    if (pid === undefined) {
      child.once('error', reject);
      return;
    }
    current = { pid };
    const sample = (): void => {
      const t = performance.now();
      const driver = processCpuUs(pid);
      if (driver === undefined) return;
      const machine = machineCpuUs();
      void opts.serverUsage().then(
        (u) =>
          samples.push({
            t,
            driverCpuUs: driver.user + driver.system,
            driverSysUs: driver.system,
            serverCpuUs: u.cpuUs,
            machineCpuUs: machine,
          }),
        () => undefined,
      );
    };
    sample();
    const sampler = setInterval(sample, sampleEveryMs);
    const kill = (): void => {
      killed = true;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      setTimeout(() => {
        try {
          if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 2000).unref();
    };
    const limit = setTimeout(kill, opts.limitMs);
    const onAbort = (): void => kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      clearInterval(sampler);
      clearTimeout(limit);
      current = undefined;
      reject(err);
    });
    child.once('close', (code, signal) => {
      const exitedAt = performance.now();
      clearInterval(sampler);
      clearTimeout(limit);
      opts.signal?.removeEventListener('abort', onAbort);
      current = undefined;
      resolve({ code, signal, stdout, stderr, spawnedAt, exitedAt, samples, killed });
    });
  });
}

/** CPU use of the driver and the server over [from, to] (bench clock, ms), from the nearest samples. */
export function cpuRates(
  samples: readonly CpuSample[],
  from: number,
  to: number,
):
  | { driverCores: number; driverSysCores: number; serverCores: number; otherCores: number; spanMs: number }
  | undefined {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const first = sorted.find((s) => s.t >= from);
  const last = sorted.reverse().find((s) => s.t <= to);
  if (!first || !last || last.t - first.t < 500) return undefined;
  const spanMs = last.t - first.t;
  return {
    driverCores: (last.driverCpuUs - first.driverCpuUs) / (spanMs * 1000),
    driverSysCores: (last.driverSysUs - first.driverSysUs) / (spanMs * 1000),
    serverCores: (last.serverCpuUs - first.serverCpuUs) / (spanMs * 1000),
    /** Everything else the machine ran meanwhile (other processes, interrupts): background load. */
    otherCores: Math.max(
      0,
      (last.machineCpuUs -
        first.machineCpuUs -
        (last.driverCpuUs - first.driverCpuUs) -
        (last.serverCpuUs - first.serverCpuUs)) /
        (spanMs * 1000),
    ),
    spanMs,
  };
}

/** True when `command` can be run (found on PATH). */
export function commandExists(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('close', () => resolve(true));
  });
}
