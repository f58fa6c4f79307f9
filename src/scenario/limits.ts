/**
 * How large a scenario may be. Two kinds of bound, both reported by `validate` before anything runs:
 *
 * - `bounds`: fixed ranges, in the schema (and so in scenarios/schema.json), far above any
 *   measurement that makes sense on one machine and far below what hangs the driver (a 1e12/s
 *   schedule, a 4 GiB payload, a run of 100 years).
 * - `MachineLimits`: what this machine can hold — open files (RLIMIT_NOFILE, `ulimit -n`), loopback
 *   source ports, memory — checked for each expanded case (see caseLimitProblems).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { openFilesLimit } from '../proc/placement.js';
import { obtainableNofile, runCommandSync } from '../proc/spawn.js';
import { formatBytes } from '../units.js';
import { loadDefinition } from '../engine/load/registry.js';
import { driverProcesses } from '../engine/process-count.js';
import { isLoopbackV4, maxSourceAddresses } from '../engine/sources.js';
import { bounds } from '../plan/bounds.js';
import type { CaseSpec } from '../plan/types.js';

export { bounds };

const hourMs = 3_600_000;

/** What this machine can hold, as read when commbench starts. */
export interface MachineLimits {
  /**
   * Open files one process can have: the hard RLIMIT_NOFILE (Node raises the soft limit to it at
   * start), or fs.nr_open when this process may raise the hard limit (CAP_SYS_RESOURCE; src/proc).
   */
  readonly openFiles: number;
  /** True when the hard limit binds: raising it was refused (no CAP_SYS_RESOURCE). */
  readonly openFilesFixed?: boolean;
  /** Loopback source ports: connections to one server port cannot exceed it (ip_local_port_range). */
  readonly ephemeralPorts: number;
  /** Physical memory, bytes. */
  readonly memoryBytes: number;
  readonly cores: number;
}

/** File descriptors the driver keeps for itself (module files, pipes to servers, workers, logs). */
const reservedFiles = 256;
/** Driver memory per open connection or subscription, bytes (socket buffers, client state). */
const bytesPerConnection = 64 * 1024;
/** Copies of the payload one outstanding operation holds (encoded request, response, decoded echo). */
const payloadCopies = 3;

function readOpenFiles(): number {
  const fromProc = openFilesLimit('self');
  if (fromProc) return fromProc.soft;
  // not Linux: ask the shell
  const out = runCommandSync('sh', ['-c', 'ulimit -n'], 2000)?.trim() ?? '';
  if (out === 'unlimited') return Number.MAX_SAFE_INTEGER;
  return /^\d+$/.test(out) ? Number(out) : 1024;
}

/** fs.nr_open: the most open files the kernel lets one process have (Linux; else 0). */
function readNrOpen(): number {
  try {
    const n = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
    return Number.isInteger(n) ? n : 0;
  } catch {
    return 0;
  }
}

function readEphemeralPorts(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(hi) - Number(lo) + 1;
    if (Number.isInteger(n) && n > 0) return n;
  } catch {
    // not Linux
  }
  return 16_384; // the IANA dynamic range 49152-65535 (macOS, Windows)
}

let cached: MachineLimits | undefined;

/** This machine's limits (read once). */
export function machineLimits(): MachineLimits {
  if (cached) return cached;
  const soft = readOpenFiles();
  const nrOpen = readNrOpen();
  const obtainable = nrOpen > soft ? obtainableNofile(nrOpen) : soft;
  cached = {
    openFiles: Math.max(soft, obtainable),
    ...(nrOpen > soft && obtainable < nrOpen ? { openFilesFixed: true } : {}),
    ephemeralPorts: readEphemeralPorts(),
    memoryBytes: totalmem(),
    cores: availableParallelism(),
  };
  return cached;
}

/**
 * Most connections plus subscriptions one case may open on this machine, and why. Open files bind
 * per process: `driverProcesses` multiply the driver's; a server commbench starts is one process,
 * so its limit binds unless `target` (the server is someone else's).
 */
export function maxSockets(
  limits: MachineLimits,
  spread: {
    driverProcesses?: number;
    serverProcesses?: number;
    target?: boolean;
    loopbackV4?: boolean;
  } = {},
): { max: number; why: string } {
  const perProcess = Math.max(1, limits.openFiles - reservedFiles);
  const procs = spread.driverProcesses ?? 1;
  const servers = spread.target ? Infinity : (spread.serverProcesses ?? 1);
  const byFiles = perProcess * Math.min(procs, servers);
  const driverBinds = procs <= servers;
  const filesWhy = driverBinds
    ? procs > 1
      ? `; the driver runs in ${procs} processes: more with processes: N or auto`
      : '; the driver is one process: processes: auto spreads it over as many as the connections need'
    : servers > 1
      ? `; the server runs in ${servers} processes: more with server.processes`
      : '; the started server is one process: server.processes spreads it (or drive your own servers with --target)';
  const byMemory = Math.floor(limits.memoryBytes / 2 / bytesPerConnection);
  const candidates: [number, string][] = [
    [
      byFiles,
      `the open-file limit is ${limits.openFiles} per process (${
        limits.openFilesFixed
          ? 'the hard RLIMIT_NOFILE: raising it needs CAP_SYS_RESOURCE, which this process lacks'
          : 'ulimit -n'
      }; ${reservedFiles} kept for the driver${filesWhy})`,
    ],
    spread.loopbackV4
      ? [
          limits.ephemeralPorts * maxSourceAddresses,
          `loopback has ${limits.ephemeralPorts} source ports (ip_local_port_range) on each of the ${maxSourceAddresses} source addresses the driver spreads over`,
        ]
      : [
          limits.ephemeralPorts,
          `one source address has ${limits.ephemeralPorts} source ports (ip_local_port_range); the driver spreads over 127.0.0.x only for IPv4 loopback targets`,
        ],
    [byMemory, `half of ${formatBytes(limits.memoryBytes)} memory at ~64 KiB per connection`],
  ];
  const [max, why] = candidates.reduce((a, b) => (b[0] < a[0] ? b : a));
  return { max, why };
}

/** The driver's memory for one case, estimated: connections and the payloads of outstanding operations. */
export function driverMemoryBytes(spec: Pick<CaseSpec, 'load' | 'payload'>): number {
  const load = spec.load;
  const sockets = load.connections + (load.subscribers ?? 0);
  const outstanding = loadDefinition(load).maxOutstanding(load);
  return sockets * bytesPerConnection + outstanding * spec.payload.size * payloadCopies;
}

/** The field a machine limit blames, by the matrix key of the same field. */
export type LimitField =
  'load.connections' | 'load.subscribers' | 'load.inFlight' | 'payload.size' | 'workers';

/** What one resolved case asks beyond this machine; each problem names the field to change. */
export function caseLimitProblems(
  spec: Omit<CaseSpec, 'id'>,
  limits: MachineLimits,
): { field: LimitField; message: string }[] {
  const out: { field: LimitField; message: string }[] = [];
  const load = spec.load;
  const sockets = load.connections + (load.subscribers ?? 0);
  const { max, why } = maxSockets(limits, {
    driverProcesses: driverProcesses(spec.processes, load, limits.openFiles),
    ...(spec.serverProcesses === undefined ? {} : { serverProcesses: spec.serverProcesses }),
    target: spec.target !== undefined,
    loopbackV4: spec.target === undefined || isLoopbackV4(new URL(spec.target)),
  });
  if (sockets > max) {
    const field = (load.subscribers ?? 0) > load.connections ? 'load.subscribers' : 'load.connections';
    const what =
      load.subscribers === undefined
        ? `${load.connections} connections`
        : `${load.connections} connections + ${load.subscribers} subscribers`;
    out.push({
      field,
      message: `${what} is more than this machine can open: at most ${max}, because ${why}`,
    });
  }
  if ((spec.processes ?? 1) !== 1 && spec.workers > 1) {
    out.push({
      field: 'workers',
      message: `${spec.workers} workers and processes: ${spec.processes}: a case runs its driver in worker threads or in processes, not both`,
    });
  }
  if (loadDefinition(load).model && spec.workers > load.connections) {
    out.push({
      field: 'workers',
      message: `${spec.workers} workers for ${load.connections} connections: each worker drives at least one connection, so at most ${load.connections}`,
    });
  }
  const memory = driverMemoryBytes(spec);
  if (memory > limits.memoryBytes / 2) {
    const field = spec.payload.size * payloadCopies > bytesPerConnection ? 'payload.size' : 'load.inFlight';
    out.push({
      field,
      message:
        `the driver would need about ${formatBytes(memory)} (connections × inFlight × ${payloadCopies} copies of the ` +
        `${formatBytes(spec.payload.size)} payload, plus ~64 KiB per connection); ` +
        `at most half of this machine's ${formatBytes(limits.memoryBytes)}`,
    });
  }
  return out;
}

/** The message for a plan that would run longer than bounds.planMs, or undefined. */
export function planTimeProblem(estimatedMs: number, cases: number): string | undefined {
  if (estimatedMs <= bounds.planMs) return undefined;
  return (
    `the plan would run for about ${formatLong(estimatedMs)} (${cases} case${cases === 1 ? '' : 's'} × repeat × ` +
    `(warmup + duration)); at most ${formatLong(bounds.planMs)} in one run: ` +
    'shorten duration or repeat, or split the matrix into several scenarios'
  );
}

function formatLong(ms: number): string {
  const days = ms / (24 * hourMs);
  if (days >= 365) return `${Math.round(days / 365).toLocaleString('en-US')} years`;
  if (days >= 2) return `${Math.round(days)} days`;
  return `${Math.round(ms / hourMs)} h`;
}
