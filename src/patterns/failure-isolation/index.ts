import { z } from 'zod';
import { Duration } from '../../units.js';
import { requestPattern } from '../../toolkit/lazy.js';

/** The two components of the failure-isolation app: the page callers use and the leaky one. */
export const components = ['checkout', 'image'] as const;
export type Component = (typeof components)[number];

/** Options of the `failure-isolation` pattern (scenario `options:`). */
export const failureIsolationOptions = z.strictObject({
  /**
   * `monolith`: one process serves both /checkout and /image; `services`: each is its own process
   * (its own heap), on its own port.
   */
  layout: z.enum(['monolith', 'services']).default('monolith'),
  /** The component the load calls (`POST /checkout` or `POST /image`, a JSON echo). */
  call: z.enum(components).default('checkout'),
  /**
   * The image component's memory leak (none when absent): from `at` after the first request any
   * component received, it keeps about 2 MiB more of JS heap every 5 ms until its process reaches
   * its heap limit and V8 ends it (SIGABRT, "JavaScript heap out of memory"). The process is
   * restarted `restartAfter` later (a supervisor), without the leak.
   */
  leak: z
    .strictObject({
      at: Duration.default(300),
      restartAfter: Duration.default(200),
    })
    .optional(),
  /** Every app process runs with `node --max-old-space-size=heapMiB` (V8's heap limit). */
  heapMiB: z.int().min(16).max(4096).default(64),
});
export type FailureIsolationOptions = z.output<typeof failureIsolationOptions>;

/**
 * "A memory leak in Image Processing crashes the Checkout page": an app with two endpoints,
 * `/checkout` and `/image` (each a JSON echo over HTTP/1.1, like `rest`), as one process
 * (`layout: monolith`) or as two (`services`), each a real node process with a real heap limit.
 * The image component leaks (see `leak`) until V8 kills its process; the server process supervises
 * and restarts it. The load calls one component (`call`): in the monolith the checkout callers lose
 * their process with the image code, in services only the image callers do. The client is rest's.
 * Endpoint: http://host:port of the called component.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(failureIsolationOptions, server, client);
