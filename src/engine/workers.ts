import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CommbenchError, type ErrorCode } from '../errors.js';
import { childEntry } from './child-args.js';
import { shareLoad } from './load/registry.js';
import { untilAborted, type DriverReport, type DriverSpec, type Progress, type RunHooks } from './driver.js';

export type ToWorker = { type: 'start'; startAtEpoch: number } | { type: 'abort'; reason: string };
export type FromWorker =
  | { type: 'connected' }
  | { type: 'tick'; progress: Progress }
  | { type: 'report'; report: DriverReport }
  | { type: 'error'; code: string; message: string; hint: string | undefined };

/**
 * Runs several drivers in worker threads and presents them as one. Each worker connects its share
 * first; all start at the same epoch time.
 */
export async function connectWorkerDrivers(
  specs: readonly DriverSpec[],
  signal?: AbortSignal,
): Promise<{
  run(startAtEpoch: number, hooks?: RunHooks): Promise<DriverReport[]>;
  close(): Promise<void>;
}> {
  const entry = childEntry(import.meta.url, 'driver-worker');
  const workers = specs.map(
    (spec) => new Worker(workerEntry(entry.path), { workerData: spec, execArgv: entry.execArgv }),
  );
  const connected = workers.map(
    (w) =>
      new Promise<void>((resolve, reject) => {
        const onMessage = (m: FromWorker): void => {
          if (m.type === 'connected') resolve();
          else if (m.type === 'error') {
            reject(
              new CommbenchError(
                m.code as ErrorCode,
                m.message,
                m.hint === undefined ? {} : { hint: m.hint },
              ),
            );
          }
        };
        w.on('message', onMessage);
        w.once('error', reject);
        w.once('exit', (code) =>
          reject(new Error(`driver worker exited with code ${code} before connecting`)),
        );
      }),
  );
  const close = async (): Promise<void> => {
    await Promise.allSettled(workers.map((w) => w.terminate()));
  };
  // An abort while the workers connect terminates them (closing their connections) at once.
  let settled: PromiseSettledResult<void>[];
  try {
    settled = await untilAborted(Promise.allSettled(connected), signal);
  } catch (err) {
    await close();
    throw err;
  }
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await close();
    throw failure.reason;
  }
  return {
    close,
    async run(startAtEpoch, hooks = {}) {
      let tickOps = 0;
      let tickRate = 0;
      let tickErrors = 0;
      let tickP99 = 0;
      let ticks = 0;
      const reports = workers.map(
        (w) =>
          new Promise<DriverReport>((resolve, reject) => {
            w.on('message', (m: FromWorker) => {
              if (m.type === 'report') resolve(m.report);
              else if (m.type === 'tick') {
                tickOps += m.progress.ops;
                tickRate += m.progress.opsPerSec;
                tickErrors += m.progress.errors;
                tickP99 = Math.max(tickP99, m.progress.p99);
                if (++ticks % workers.length === 0) {
                  hooks.onTick?.({
                    ...m.progress,
                    ops: tickOps,
                    opsPerSec: tickRate,
                    errors: tickErrors,
                    p99: tickP99,
                  });
                  tickOps = tickRate = tickErrors = tickP99 = 0;
                }
              }
            });
            w.once('error', reject);
            w.once('exit', (code) =>
              reject(new Error(`driver worker exited with code ${code} before reporting`)),
            );
          }),
      );
      const onAbort = (): void => {
        for (const w of workers)
          w.postMessage({ type: 'abort', reason: String(hooks.signal?.reason) } satisfies ToWorker);
      };
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
      for (const w of workers) w.postMessage({ type: 'start', startAtEpoch } satisfies ToWorker);
      try {
        return await Promise.all(reports);
      } finally {
        hooks.signal?.removeEventListener('abort', onAbort);
        await close();
      }
    },
  };
}

/**
 * Splits a driver spec into `n` shares: connections spread evenly, each share's load as its model
 * divides it (rates in proportion to connections, phased so that the shares' sends interleave into
 * one evenly spaced schedule instead of all firing at the same instants).
 */
export function splitSpec(spec: DriverSpec, n: number): DriverSpec[] {
  const shares: DriverSpec[] = [];
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const { load, placement } = shareLoad(spec.load, i, n);
    if (load.connections === 0) continue;
    shares.push({ ...spec, load, connectionOffset: offset, ...(placement ? { placement } : {}) });
    offset += load.connections;
  }
  return shares;
}

/**
 * The worker's entry. From built JS it is the file itself; from TypeScript sources (tests, tsx)
 * a worker does not inherit the parent's loader hooks, so a small bootstrap registers tsx first.
 */
function workerEntry(entry: string): string | URL {
  if (!entry.endsWith('.ts')) return entry;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(pathToFileURL(entry).href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
