/** CPU, memory and open files of processes, read from Linux's /proc (zeros or undefined elsewhere). */
import { readdirSync, readFileSync } from 'node:fs';

/** A process a server started to carry its traffic; `role` names it in results, e.g. 'proxy 1 (nginx)'. */
export interface HelperProcess {
  readonly role: string;
  readonly pid: number;
}

export interface ProcUsage {
  /** User + system CPU time since the process started, µs (10 ms ticks). */
  readonly cpuUs: number;
  /** Peak resident set size, bytes. */
  readonly maxRssBytes: number;
}

export interface Footprint {
  readonly rssBytes: number;
  readonly fds: number;
}

const clockTicksPerSecond = 100;

/** The fields of /proc/<pid>/stat after the command name (fields[0] is the state, the 3rd field). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time and peak RSS of a process; zeros where /proc is missing or the process is gone. */
export function procUsage(pid: number): ProcUsage {
  try {
    const fields = statFields(pid);
    // utime and stime are the 14th and 15th fields of stat.
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return { cpuUs: (ticks / clockTicksPerSecond) * 1e6, maxRssBytes: hwm ? Number(hwm[1]) * 1024 : 0 };
  } catch {
    return { cpuUs: 0, maxRssBytes: 0 };
  }
}

/** Current RSS and open fds of a process; undefined where /proc is missing. */
export function processFootprint(pid: number): Footprint | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return { rssBytes: rss ? Number(rss[1]) * 1024 : 0, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** True while `pid` runs (exists and is not a zombie); false without /proc. */
export function isRunning(pid: number): boolean {
  try {
    return statFields(pid)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Parent pid of every process in /proc; empty elsewhere. */
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
      byPid.set(pid, Number(statFields(pid)[1]));
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
 * whose child beam.smp does the work). CPU of a descendant that already exited is not counted.
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

/** The last few non-empty lines of a process's output, for error messages. */
export function lastLines(text: string, n = 3): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-n).join(' | ') || '(no output)';
}
