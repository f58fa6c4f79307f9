/**
 * Entry of a driver child process (`--processes N`): serves one share of a case's load to its group
 * (driver-serve.ts) over the IPC channel; its spec comes in COMMBENCH_DRIVER_SPEC. It has its own
 * descriptor table and event loop, and exits when the parent goes away (no driver outlives its run).
 */
import type { DriverSpec } from './driver.js';
import { serveDriver } from './driver-serve.js';
import type { FromWorker, ToWorker } from './workers.js';

process.on('disconnect', () => process.exit(0));
await serveDriver(JSON.parse(process.env.COMMBENCH_DRIVER_SPEC ?? '{}') as DriverSpec, {
  post: (m: FromWorker) => process.send?.(m),
  onMessage: (listener) => process.on('message', (m) => listener(m as ToWorker)),
  // The parent stops this process once it has the report (the channel closing ends it).
  done: () => undefined,
});
