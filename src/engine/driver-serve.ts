/**
 * The child side of a driver group (workers.ts): connects its share of a case's clients, runs the
 * load when told, posts progress and its report. Histograms travel encoded and merge exactly. The
 * same for a worker thread (driver-worker.ts) and a child process (driver-process.ts).
 */
import { isCommbenchError } from '../errors.js';
import { fromEpoch } from './clock.js';
import { connectDriver, type DriverSpec } from './driver.js';
import type { FromWorker, ToWorker } from './workers.js';

/** How the child talks to its group. */
export interface ParentChannel {
  post(message: FromWorker): void;
  onMessage(listener: (message: ToWorker) => void): void;
  /** After the report (or an error) was posted. */
  done(): void;
}

export async function serveDriver(spec: DriverSpec, parent: ParentChannel): Promise<void> {
  const abort = new AbortController();
  try {
    const driver = await connectDriver(spec);
    parent.post({ type: 'connected' });
    parent.onMessage((m) => {
      if (m.type === 'abort') abort.abort(m.reason);
      else if (m.type === 'start') {
        void driver
          .run(fromEpoch(m.startAtEpoch), {
            signal: abort.signal,
            onTick: (progress) => parent.post({ type: 'tick', progress }),
          })
          .then(async (report) => {
            await driver.close();
            parent.post({ type: 'report', report });
            parent.done();
          });
      }
    });
  } catch (err) {
    parent.post({
      type: 'error',
      code: isCommbenchError(err) ? err.code : 'E_RUN_FAILED',
      message: err instanceof Error ? err.message : String(err),
      hint: isCommbenchError(err) ? err.hint : undefined,
    });
    parent.done();
  }
}
