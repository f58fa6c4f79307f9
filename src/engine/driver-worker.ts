/**
 * Entry of a driver worker thread (`--workers N`): connects its share of a case's clients, runs the
 * load when told, posts progress and its report. Histograms travel encoded and merge exactly.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isCommbenchError } from '../errors.js';
import { fromEpoch } from './clock.js';
import { connectDriver, type DriverSpec } from './driver.js';
import type { ToWorker, FromWorker } from './workers.js';

const port = parentPort;
if (!port) throw new Error('driver-worker must run in a worker thread');
const post = (m: FromWorker): void => port.postMessage(m);
const abort = new AbortController();

try {
  const driver = await connectDriver(workerData as DriverSpec);
  post({ type: 'connected' });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') abort.abort(m.reason);
    else if (m.type === 'start') {
      void driver
        .run(fromEpoch(m.startAtEpoch), {
          signal: abort.signal,
          onTick: (progress) => post({ type: 'tick', progress }),
        })
        .then(async (report) => {
          await driver.close();
          post({ type: 'report', report });
          port.close();
        });
    }
  });
} catch (err) {
  post({
    type: 'error',
    code: isCommbenchError(err) ? err.code : 'E_RUN_FAILED',
    message: err instanceof Error ? err.message : String(err),
    hint: isCommbenchError(err) ? err.hint : undefined,
  });
  port.close();
}
