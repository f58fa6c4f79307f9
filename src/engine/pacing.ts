import type { Pacing } from './clock.js';

/** What `pacing: auto` decides from: the cores this process may use and who else needs them. */
export interface PacingFacts {
  /** CPUs this process may run on (its affinity). */
  readonly cores: number;
  /** Driver threads of the case (worker threads, or 1). */
  readonly driverThreads: number;
  /** Processes serving the traffic on this machine: the server, its hops and proxies, a broker (≥ 1 for --target on loopback). */
  readonly serverProcesses: number;
  /** The case's placement, when it pins the sides to CPUs (Linux). */
  readonly driverCpus?: readonly number[];
  readonly serverCpus?: readonly number[];
}

/** The pacing a case asked for (`auto` when not given), resolved for this machine, with why. */
export interface PacingChoice {
  readonly pacing: Pacing;
  readonly reason: string;
}

/**
 * Resolves `auto`: spin only when the driver threads have cores to themselves — placement pins them
 * to CPUs the server does not use, at least one each — or the machine has at least twice as many
 * cores as busy threads (driver threads + serving processes), so a spinning thread takes no core
 * that the server, its helpers or the kernel need. Otherwise sleep: on 2 shared cores a busy wait
 * takes the server's core and makes the driver's own timers late.
 */
export function choosePacing(asked: Pacing | 'auto' | undefined, f: PacingFacts): PacingChoice {
  if (asked === 'spin' || asked === 'sleep') return { pacing: asked, reason: 'asked for' };
  const busy = f.driverThreads + f.serverProcesses;
  if (f.driverCpus && f.serverCpus) {
    const shared = f.driverCpus.filter((c) => f.serverCpus?.includes(c));
    if (shared.length === 0 && f.driverCpus.length >= f.driverThreads)
      return {
        pacing: 'spin',
        reason: `auto: the driver is pinned to CPU ${f.driverCpus.join(',')}, apart from the server's`,
      };
    return {
      pacing: 'sleep',
      reason:
        shared.length > 0
          ? `auto: the driver shares CPU ${shared.join(',')} with the server`
          : `auto: ${f.driverThreads} driver threads on ${f.driverCpus.length} pinned CPUs`,
    };
  }
  const threads = `${f.driverThreads} driver thread${f.driverThreads === 1 ? '' : 's'} + ${f.serverProcesses} serving process${f.serverProcesses === 1 ? '' : 'es'}`;
  return f.cores >= 2 * busy
    ? { pacing: 'spin', reason: `auto: ${f.cores} cores for ${threads}` }
    : { pacing: 'sleep', reason: `auto: ${f.cores} core${f.cores === 1 ? '' : 's'} shared by ${threads}` };
}
