import { z } from 'zod';
import { pushPattern } from '../../toolkit/lazy.js';

/** Options of the `push-proxy` pattern (scenario `options:`); the server and the clients read the same. */
export const pushProxyOptions = z.strictObject({
  /** The push protocol behind the proxy: the `sse` pattern's server or the `websocket` pattern's (broadcast). */
  via: z.enum(['sse', 'websocket']).default('sse'),
  /**
   * nginx's response buffering. `false`: `proxy_buffering off` (the setting SSE guides prescribe);
   * `true`: nginx's default buffering, kept on although the sse server asks for none
   * (`X-Accel-Buffering: no` ignored). WebSocket frames are never buffered once upgraded.
   */
  buffering: z.boolean().default(false),
});
export type PushProxyOptions = z.output<typeof pushProxyOptions>;

/**
 * Push through a reverse proxy: nginx (one process, listed as the helper `proxy (nginx)`) in front
 * of the `sse` server (plain HTTP: a long response) or the `websocket` server in broadcast mode
 * (an HTTP/1.1 Upgrade the proxy must pass: `Upgrade`/`Connection: upgrade` headers). Publisher
 * and subscribers all connect to nginx; deliveries are timed publish → receipt as in the
 * underlying pattern.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(pushProxyOptions, server, client);
