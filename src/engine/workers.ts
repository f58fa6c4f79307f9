import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CommbenchError, type ErrorCode } from '../errors.js';
import { childEntry } from '../proc/child-args.js';
import { epochNow } from './clock.js';
import { shareLoad } from './load/registry.js';
import { untilAborted, type DriverReport, type DriverSpec, type Progress, type RunHooks } from './driver.js';

export type ToWorker = { type: 'start'; startAtEpoch: number } | { type: 'abort'; reason: string };
export type FromWorker =
  | { type: 'connected' }
  | { type: 'tick'; progress: Progress }
  | { type: 'report'; report: DriverReport }
  | { type: 'error'; code: string; message: string; hint: string | undefined };

/**
 * One driver of a group, wherever it runs (a worker thread, a child process): how the group talks
 * to it and learns that it ended.
 */
export interface DriverChannel {
  /** 'driver worker 2', 'driver process 1 (pid 1234)': for messages. */
  readonly name: string;
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** Called once when the driver has gone (the thread or process exited), with how. */
  onExit(listener: (how: string) => void): void;
  /** Ends it now (terminate the thread, kill the process group); resolves once it is gone. */
  stop(): Promise<void>;
}

/** What a group of drivers measured: every report it got, and the first driver that died without one. */
export interface GroupReports {
  readonly reports: DriverReport[];
  /** 'driver process 1 (pid 1234) exited (SIGKILL) before reporting': the others were stopped early. */
  readonly crash?: string;
}

/** Several drivers connected and ready: run them together from one epoch time. */
export interface DriverGroup {
  /**
   * Runs every driver from `startAtEpoch`. `reportWithinMs` (after the start): a driver that has not
   * reported by then is stopped and counted as crashed, like one that died (a hung or stopped process).
   */
  run(startAtEpoch: number, hooks?: RunHooks, reportWithinMs?: number): Promise<GroupReports>;
  close(): Promise<void>;
}

/** How long after a driver's exit its report may still arrive, ms. */
const exitGraceMs = 100;

/**
 * Runs several drivers in worker threads and presents them as one. Each worker connects its share
 * first; all start at the same epoch time.
 */
export function connectWorkerDrivers(
  specs: readonly DriverSpec[],
  signal?: AbortSignal,
): Promise<DriverGroup> {
  const entry = childEntry(import.meta.url, 'driver-worker');
  return connectDriverGroup(
    specs.map((spec, i) => {
      const w = new Worker(workerEntry(entry.path), { workerData: spec, execArgv: entry.execArgv });
      return {
        name: `driver worker ${i + 1}`,
        send: (m) => w.postMessage(m),
        onMessage: (listener) => w.on('message', listener),
        onExit: (listener) => {
          let told = false;
          const tell = (how: string): void => {
            if (!told) listener(how);
            told = true;
          };
          w.once('error', (err) => tell(`failed: ${err.message}`));
          w.once('exit', (code) => tell(`exited with code ${code}`));
        },
        stop: async () => {
          await w.terminate();
        },
      } satisfies DriverChannel;
    }),
    signal,
  );
}

/**
 * Presents several drivers as one: waits until every one has connected its share (an abort or a
 * failure stops them all), then runs them from one epoch time, summing their progress ticks. A
 * driver that dies before reporting aborts the others as failed: the group returns what they
 * measured with the crash (the case fails with it), and stops them all whatever happens.
 */
export async function connectDriverGroup(
  channels: readonly DriverChannel[],
  signal?: AbortSignal,
): Promise<DriverGroup> {
  const exits = channels.map(
    (c) => new Promise<string>((resolve) => c.onExit((how) => resolve(`${c.name} ${how}`))),
  );
  const connected = channels.map(
    (c, i) =>
      new Promise<void>((resolve, reject) => {
        c.onMessage((m) => {
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
        });
        void (exits[i] as Promise<string>).then((how) =>
          reject(new CommbenchError('E_RUN_FAILED', `${how} before connecting`)),
        );
      }),
  );
  const close = async (): Promise<void> => {
    await Promise.allSettled(channels.map((c) => c.stop()));
  };
  // An abort while the drivers connect stops them (closing their connections) at once.
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
    async run(startAtEpoch, hooks = {}, reportWithinMs) {
      let tickOps = 0;
      let tickRate = 0;
      let tickErrors = 0;
      let tickP99 = 0;
      let ticks = 0;
      let crash: string | undefined;
      const abortAll = (reason: string): void => {
        for (const c of channels) {
          try {
            c.send({ type: 'abort', reason } satisfies ToWorker);
          } catch {
            // already gone
          }
        }
      };
      const reports = channels.map(
        (c, i) =>
          new Promise<DriverReport | undefined>((resolve) => {
            let reported = false;
            c.onMessage((m) => {
              if (m.type === 'report') {
                reported = true;
                resolve(m.report);
              } else if (m.type === 'tick') {
                tickOps += m.progress.ops;
                tickRate += m.progress.opsPerSec;
                tickErrors += m.progress.errors;
                tickP99 = Math.max(tickP99, m.progress.p99);
                if (++ticks % channels.length === 0) {
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
            if (reportWithinMs !== undefined) {
              const late = setTimeout(
                () => {
                  if (reported) return;
                  crash ??= `${c.name} did not report within ${Math.round(reportWithinMs / 1000)} s of the start (hung or stopped)`;
                  abortAll('failed');
                  resolve(undefined);
                  void c.stop();
                },
                Math.max(0, startAtEpoch - epochNow()) + reportWithinMs,
              );
              void (exits[i] as Promise<string>).then(() => clearTimeout(late));
            }
            // A report sent just before exiting may still be on its way: give it a moment.
            void (exits[i] as Promise<string>).then((how) =>
              setTimeout(() => {
                if (reported) return;
                crash ??= `${how} before reporting`;
                abortAll('failed');
                resolve(undefined);
              }, exitGraceMs),
            );
          }),
      );
      const onAbort = (): void => abortAll(String(hooks.signal?.reason));
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
      for (const c of channels) c.send({ type: 'start', startAtEpoch } satisfies ToWorker);
      try {
        const got = (await Promise.all(reports)).filter((r): r is DriverReport => r !== undefined);
        return crash === undefined ? { reports: got } : { reports: got, crash };
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
