/**
 * Driver processes (`processes: N`): a case's connections and rate split among N child processes
 * (src/proc), each with its own descriptor table and event loop, run as one driver group
 * (workers.ts) from one epoch time; their reports merge exactly like worker threads' and shards'.
 */
import { forkGroup, obtainableNofile, type GroupProcess } from '../proc/spawn.js';
import { childEntry } from '../proc/child-args.js';
import { driverReservedFiles } from './process-count.js';
import type { DriverSpec } from './driver.js';
import { connectDriverGroup, type DriverChannel, type DriverGroup } from './workers.js';

/** A running group of driver processes (the pids are read for their CPU). */
export interface ProcessDriverGroup extends DriverGroup {
  readonly pids: readonly number[];
}

/**
 * Starts one driver process per spec (each given the open files its share needs), waits until every
 * one has connected, and returns them as one group. An abort, a failed connect or a process that
 * dies stops all of them (their process groups are SIGKILLed: nothing is left running).
 */
export async function connectProcessDrivers(
  specs: readonly DriverSpec[],
  signal?: AbortSignal,
): Promise<ProcessDriverGroup> {
  const entry = childEntry(import.meta.url, 'driver-process');
  const procs: GroupProcess[] = specs.map((spec) =>
    forkGroup(
      entry,
      { COMMBENCH_DRIVER_SPEC: JSON.stringify(spec) },
      {
        nofile: obtainableNofile(spec.load.connections + (spec.load.subscribers ?? 0) + driverReservedFiles),
        tailBytes: 4000,
      },
    ),
  );
  const channels = procs.map((p, i): DriverChannel => ({
    name: `driver process ${i + 1} (pid ${p.pid})`,
    send: (m) => {
      if (p.child.connected) p.child.send(m);
    },
    onMessage: (listener) => p.child.on('message', listener),
    onExit: (listener) =>
      void p.exited.then((exit) => {
        const last = p.output().trim().split('\n').pop();
        listener(`exited (${exit.signal ?? `exit code ${exit.code}`})${last ? `: ${last}` : ''}`);
      }),
    stop: async () => {
      p.kill('SIGKILL');
      await p.exited;
    },
  }));
  const group = await connectDriverGroup(channels, signal);
  return { ...group, pids: procs.map((p) => p.pid) };
}
