import { z } from 'zod';
import { Duration } from '../../units.js';
import { pushPattern } from '../../toolkit/lazy.js';

/** Options of the `websocket` pattern (scenario `options:`); the server and the clients read the same. */
export const websocketOptions = z.strictObject({
  /**
   * `echo`: request/response over one socket per connection (the server sends each message back).
   * `broadcast`: push. The publisher's message goes to every subscriber's socket; its send resolves
   * on the server's ack. The driver opens `load.subscribers` subscribers.
   */
  mode: z.enum(['echo', 'broadcast']).default('echo'),
  /** echo mode's client: `ws` (the library) or `net`, a lean RFC 6455 client on node:net. */
  client: z.enum(['ws', 'net']).default('ws'),
  /**
   * Fault injection (broadcast): the server drops every subscriber socket this often (unset or 0 = never).
   * Nothing reconnects them: WebSocket reconnection is the application's to write, and the
   * subscriber here has none, so what is published after a drop is lost to it.
   */
  dropEvery: Duration.optional(),
});
export type WebSocketOptions = z.output<typeof websocketOptions>;

/**
 * WebSocket (RFC 6455) with `ws` on both ends, text frames of the record's JSON, no compression.
 * Paths: `/echo` answers each message with JSON.stringify of the parsed record; `/publish` parses
 * each message, forwards its text unchanged to every socket connected to `/subscribe` and answers
 * the publisher `{"seq":N}`; the server's delay (ServiceDelay) comes before both. Clients match
 * answers in order (one socket is ordered). Payload bytes: request and echo (or ack) texts; a
 * delivery's bytes are the text the subscriber received. Endpoint: ws://host:port.
 * With a `request` block the client talks to the user's own URL and message format (own-client.ts).
 */
const server = () => import('./server.js');
const client = () => import('./connect.js');
export default pushPattern(websocketOptions, server, client);
