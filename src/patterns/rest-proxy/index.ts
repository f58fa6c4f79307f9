import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `rest-proxy` pattern (scenario `options:`). */
export const restProxyOptions = z.strictObject({
  /**
   * The reverse proxy: `nginx` (the installed binary, run by commbench with its own config, temp
   * dir and loopback port) or `node` (commbench's Node reverse proxy, node:http + undici).
   */
  proxy: z.enum(['nginx', 'node']).default('nginx'),
  /**
   * Proxy processes in a row between client and server: 1 = an API gateway; 2 = a service mesh's
   * sidecar on each side (client → local proxy → local proxy → server).
   */
  proxies: z.int().min(1).max(8).default(1),
});
export type RestProxyOptions = z.output<typeof restProxyOptions>;

/**
 * The rest echo (HTTP/1.1 + JSON, the same server and client as `rest`) reached through
 * `proxies` reverse-proxy processes, each a separate process with its own socket and keep-alive
 * connections on both sides. The server process runs the echo and starts the proxies in front of
 * it; their CPU is measured and reported per proxy (server.helpers) and added to the server's.
 * Where nginx is not installed, `proxy: nginx` fails to start with the install hint; `proxy: node`
 * always runs. Endpoint: the first proxy, http://host:port.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(restProxyOptions, server, client);
