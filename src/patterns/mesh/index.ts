import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `mesh` pattern (scenario `options:`). */
export const meshOptions = z.strictObject({
  /**
   * The caller's sidecar reaches the service's over mTLS: each presents a certificate of one CA
   * (made by openssl at start) and the service's sidecar refuses a caller without one.
   */
  mtls: z.boolean().default(false),
  /** Retries by the caller's sidecar on an error, timeout or 503 (`proxy_next_upstream`, POST included): 0 = none. */
  retries: z.int().min(0).max(5).default(0),
  /** The service answers every call 503 at once (a failing service); the server counts what it receives either way. */
  serviceFails: z.boolean().default(false),
  /**
   * A plain pair of sidecars beside these, in front of the same service, that the calls alternate
   * with (both measured over the same window): roles 'reference caller sidecar (nginx)' and
   * 'reference service sidecar (nginx)'.
   */
  reference: z.boolean().default(false),
});
export type MeshOptions = z.output<typeof meshOptions>;

/**
 * A service mesh's two sidecars (nginx, one process each) between caller and service: caller →
 * caller's sidecar → service's sidecar → service (the rest echo, in the server process). The
 * sidecars hold the network logic: mTLS between them, retries in the caller's. The service counts
 * the requests it receives (server counter `received`), so a retry policy's extra load on a failing
 * service is measured where it lands. Endpoint: the caller's sidecar, http://host:port/echo.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default {
  ...requestPattern(meshOptions, server, client),
  injectsFault: (o: MeshOptions) => o.serviceFails,
};
