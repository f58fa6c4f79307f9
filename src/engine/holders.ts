/**
 * Holding driver processes: the `connections` model's shares held by N child processes (src/proc),
 * each with its own open-file limit, so one case may hold more connections than one process can.
 */
import { forkGroup, obtainableNofile, type GroupProcess } from '../proc/spawn.js';
import { childEntry } from '../proc/child-args.js';
import type { BroadcastShare, HoldShare, OpenedShare } from './held.js';
import { driverReservedFiles } from './process-count.js';

export type ToHolder = { type: 'open' } | { type: 'release' } | { type: 'collect'; publishedAtMs: number };
export type FromHolder =
  | { type: 'ready'; rssBytes: number }
  | { type: 'opened'; opened: OpenedShare; rssBytes: number }
  | { type: 'released' }
  | { type: 'collected'; broadcast: BroadcastShare }
  | { type: 'error'; message: string };

/** Started holders, ready to open their shares. */
export interface Holders {
  readonly pids: readonly number[];
  /** Their resident memory when ready (after a collection), summed, bytes. */
  readonly rssBeforeBytes: number;
  /** Every share opened (or failed: what it measured); rejects when a holder dies meanwhile. */
  open(): Promise<{ shares: OpenedShare[]; rssAfterBytes: number }>;
  /** Every holder's receipts of a broadcast published at `publishedAtMs` (epoch ms) so far. */
  collect(publishedAtMs: number): Promise<BroadcastShare[]>;
  /** Releases every connection and stops the processes. */
  stop(): Promise<void>;
}

const readyTimeoutMs = 15_000;

/** Starts one holding process per share and waits until each is ready. */
export async function startHolders(shares: readonly HoldShare[]): Promise<Holders> {
  const entry = childEntry(import.meta.url, 'hold-process');
  const procs: GroupProcess[] = shares.map((share) =>
    forkGroup(
      entry,
      { COMMBENCH_HOLD_SHARE: JSON.stringify(share) },
      { nofile: obtainableNofile(share.count + driverReservedFiles), tailBytes: 4000 },
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.allSettled(
      procs.map(async (p) => {
        if (p.child.connected) {
          const released = next(p, 'released', 10_000);
          p.child.send({ type: 'release' } satisfies ToHolder);
          await released.catch(() => undefined);
        }
        p.kill('SIGKILL');
        await p.exited;
      }),
    );
  };
  try {
    const ready = await Promise.all(procs.map((p) => next(p, 'ready', readyTimeoutMs)));
    return {
      pids: procs.map((p) => p.pid),
      rssBeforeBytes: ready.reduce((a, m) => a + (m.type === 'ready' ? m.rssBytes : 0), 0),
      async open() {
        const opened = procs.map((p) => next(p, 'opened', 24 * 3_600_000));
        for (const p of procs) p.child.send({ type: 'open' } satisfies ToHolder);
        const all = await Promise.all(opened);
        return {
          shares: all.flatMap((m) => (m.type === 'opened' ? [m.opened] : [])),
          rssAfterBytes: all.reduce((a, m) => a + (m.type === 'opened' ? m.rssBytes : 0), 0),
        };
      },
      async collect(publishedAtMs) {
        const got = procs.map((p) => next(p, 'collected', 10_000));
        for (const p of procs) p.child.send({ type: 'collect', publishedAtMs } satisfies ToHolder);
        return (await Promise.all(got)).flatMap((m) => (m.type === 'collected' ? [m.broadcast] : []));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The holder's next message of `type`; rejects on its error message, its exit, or after `timeoutMs`. */
function next(p: GroupProcess, type: FromHolder['type'], timeoutMs: number): Promise<FromHolder> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`holding process ${p.pid} sent no '${type}' within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (m: FromHolder): void => {
      if (m.type === type) finish(undefined, m);
      else if (m.type === 'error') finish(new Error(`holding process ${p.pid}: ${m.message}`));
    };
    const onExit = (): void => {
      const last = p.output().trim().split('\n').pop();
      finish(new Error(`holding process ${p.pid} exited before '${type}'${last ? `: ${last}` : ''}`));
    };
    const finish = (err?: Error, m?: FromHolder): void => {
      clearTimeout(timer);
      p.child.off('message', onMessage);
      p.child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m as FromHolder);
    };
    p.child.on('message', onMessage);
    p.child.once('exit', onExit);
    if (p.hasExited) onExit();
  });
}
