/**
 * Entry of a driver worker thread (`--workers N`): serves one share of a case's load to its group
 * (driver-serve.ts) over the thread's message port.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DriverSpec } from './driver.js';
import { serveDriver } from './driver-serve.js';

const port = parentPort;
if (!port) throw new Error('driver-worker must run in a worker thread');
await serveDriver(workerData as DriverSpec, {
  post: (m) => port.postMessage(m),
  onMessage: (listener) => port.on('message', listener),
  done: () => port.close(),
});
