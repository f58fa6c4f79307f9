/** How many driver processes a case runs in (kept apart from processes.ts: validation reads it). */
import { openFilesLimit } from '../proc/placement.js';
import { bounds } from '../plan/bounds.js';
import type { LoadSpec } from '../plan/types.js';

/** Descriptors a driver process keeps besides its connections (modules, IPC, timers, logs). */
export const driverReservedFiles = 256;

/** Most driver processes a case may ask for. */
export const maxDriverProcesses = bounds.processes;

/**
 * How many driver processes `asked` means for `load`: a number as given (at most one per
 * connection), `auto` as many as the open-file limit needs for the case's sockets (connections and
 * subscriptions), `hardLimit` descriptors each (Node raises the soft limit to the hard one).
 */
export function driverProcesses(
  asked: number | 'auto' | undefined,
  load: Pick<LoadSpec, 'connections' | 'subscribers'>,
  hardLimit: number = openFilesLimit('self')?.hard ?? 1024,
): number {
  if (asked === undefined) return 1;
  if (asked !== 'auto') return Math.max(1, Math.min(asked, load.connections));
  const sockets = load.connections + (load.subscribers ?? 0);
  const perProcess = Math.max(1, hardLimit - driverReservedFiles);
  return Math.max(1, Math.min(Math.ceil(sockets / perProcess), load.connections, maxDriverProcesses));
}
