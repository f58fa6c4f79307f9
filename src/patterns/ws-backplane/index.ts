import { z } from 'zod';
import { pushPattern } from '../../toolkit/lazy.js';

export const backplanes = ['none', 'redis', 'nats'] as const;
export type Backplane = (typeof backplanes)[number];

/** Options of the `ws-backplane` pattern (scenario `options:`); the server and the clients read the same. */
export const wsBackplaneOptions = z.strictObject({
  /** WebSocket server processes behind "round robin": node 1 in the server process, the rest forked. */
  servers: z.number().int().min(2).max(4).default(3),
  /**
   * How a message published on one node reaches the subscribers of the others. `none`: it does not
   * (each node broadcasts to its own subscribers only); `redis`: Redis pub/sub (PUBLISH / SUBSCRIBE
   * on one channel); `nats`: a NATS subject. A real broker: the run's, else a throwaway one.
   */
  backplane: z.enum(backplanes).default('none'),
});
export type WsBackplaneOptions = z.output<typeof wsBackplaneOptions>;

/**
 * WebSocket scale-out: `servers` WebSocket server processes (ws), the publisher connected to node 1,
 * subscriber i connected to node (i mod servers) — what a round-robin load balancer does to
 * long-lived connections. Each node serves `/publish` and `/subscribe` like the `websocket`
 * pattern's broadcast mode; a publish is acked `{"seq":N}` once the backplane accepted it (none: at
 * once) and every node forwards what the backplane brings to its own subscribers. Without a
 * backplane only node 1's subscribers receive anything: the other nodes' deliveries are counted
 * lost. The server's URL is node 1's with `?nodes=port,port,…` naming every node.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(wsBackplaneOptions, server, client);
