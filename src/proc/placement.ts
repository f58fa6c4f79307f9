/**
 * CPU placement and open-file limits of child processes, Linux only, through util-linux's
 * `taskset` and `prlimit` wrapped around the child's command line: both exec the command, so
 * the pid is the child's own and the affinity / limit is set before its first instruction (every
 * thread it starts inherits the affinity). The CLI pins itself (the driver) with `taskset -a -p`.
 */
import { readFileSync } from 'node:fs';

/** Where placement works: Linux with /proc and taskset. */
export function placementSupported(): boolean {
  return process.platform === 'linux';
}

/** '0-2,5' → [0, 1, 2, 5]; undefined when the text is not a CPU list. */
export function parseCpuList(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/** [0, 1, 2, 5] → '0-2,5' (the kernel's Cpus_allowed_list form). */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The CPUs process `pid` may run on (Cpus_allowed_list in /proc/<pid>/status); undefined without /proc. */
export function allowedCpus(pid: number | 'self' = 'self'): number[] | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(status);
    return m ? parseCpuList(m[1] as string) : undefined;
  } catch {
    return undefined;
  }
}

/** The command-line prefix that runs a command on `cpus` (none when absent). */
export function placementArgv(cpus: readonly number[] | undefined): string[] {
  return cpus === undefined || cpus.length === 0 ? [] : ['taskset', '-c', formatCpuList(cpus)];
}

/** The command-line prefix that runs a command with RLIMIT_NOFILE = n (soft and hard; none when absent). */
export function nofileArgv(n: number | undefined): string[] {
  return n === undefined ? [] : ['prlimit', `--nofile=${n}:${n}`, '--'];
}

/** Soft and hard RLIMIT_NOFILE of process `pid` (from /proc/<pid>/limits); undefined without /proc. */
export function openFilesLimit(pid: number | 'self' = 'self'): { soft: number; hard: number } | undefined {
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(limits);
    if (!m) return undefined;
    const n = (v: string): number => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
    return { soft: n(m[1] as string), hard: n(m[2] as string) };
  } catch {
    return undefined;
  }
}

/** Problems with asking for `cpus` on this machine (the valid choices named), or [] when fine. */
export function cpuProblems(cpus: readonly number[], allowed: readonly number[] | undefined): string[] {
  if (!placementSupported() || allowed === undefined) {
    return [`CPU placement is supported on Linux only (this is ${process.platform})`];
  }
  const missing = cpus.filter((c) => !allowed.includes(c));
  if (missing.length === 0) return [];
  return [
    `CPU ${formatCpuList(missing)} does not exist or is not allowed here; valid choices: ${formatCpuList(allowed)}`,
  ];
}

/** Where a case's processes could run, read back from the kernel: Cpus_allowed_list of each side. */
export interface CpuPlacement {
  /** The server process's CPUs, e.g. '1'. */
  readonly server?: string;
  /** The driver's (this process's) CPUs, e.g. '0'. */
  readonly driver?: string;
}

/** The placement actually in force for the server `serverPid` (if any) and this process. */
export function readPlacement(serverPid: number | undefined): CpuPlacement {
  const server = serverPid === undefined ? undefined : allowedCpus(serverPid);
  const driver = allowedCpus('self');
  return {
    ...(server ? { server: formatCpuList(server) } : {}),
    ...(driver ? { driver: formatCpuList(driver) } : {}),
  };
}
