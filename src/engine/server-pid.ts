/**
 * `--server-pid`: the CPU and memory of a server commbench did not start (a --target run), read
 * from /proc like those of the servers it starts, so its figures are stored, reported and gated the
 * same way (Measurement.server).
 */
import { CommbenchError } from '../errors.js';
import { isRunning, treeUsage } from '../proc/usage.js';
import type { CaseSpec } from '../plan/types.js';
import type { ServerUsage } from './server-host.js';

/**
 * Which process serves which --target case: by pattern ('rest' → 4242), or '' for every target
 * case without a pattern of its own (`--server-pid 4242`).
 */
export type ServerPids = Readonly<Record<string, number>>;

/** What the window watcher reads a server's CPU and peak RSS from: our own server, or a --server-pid process. */
export interface ServerUsageSource {
  usage(): Promise<ServerUsage>;
}

/** The --server-pid process that serves `spec`, or undefined (no target, or no pid given for it). */
export function serverPidOf(spec: CaseSpec, pids: ServerPids | undefined): number | undefined {
  if (spec.target === undefined || pids === undefined) return undefined;
  return pids[spec.pattern] ?? pids[''];
}

/**
 * The usage of process `pid` and its descendants (nginx's master and workers, a shell and its
 * server), in /proc's 10 ms ticks. Rejects when the process has exited, so a window whose server
 * went away fails its case instead of reading 0 CPU.
 */
export function pidUsageSource(pid: number): ServerUsageSource {
  return {
    usage: () => {
      const usage = isRunning(pid)
        ? Promise.resolve(treeUsage(pid))
        : Promise.reject(
            new CommbenchError(
              'E_TARGET_UNREACHABLE',
              `--server-pid ${pid}: the process exited during the run`,
            ),
          );
      // Read at the window's start and awaited at its end: not an unhandled rejection meanwhile.
      usage.catch(() => undefined);
      return usage;
    },
  };
}
