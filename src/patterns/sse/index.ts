import { z } from 'zod';
import { Duration } from '../../units.js';
import { pushPattern } from '../../toolkit/lazy.js';

/** Options of the `sse` pattern (scenario `options:`); the server reads them (clients follow the server). */
export const sseOptions = z.strictObject({
  /** The `retry:` the server announces: how long a client waits before reconnecting after a drop. */
  retry: Duration.default(1000),
  /** Events the server keeps for Last-Event-ID resume (oldest dropped first). */
  replay: z.int().min(0).max(10_000_000).default(100_000),
  /**
   * Fault injection: the server ends every open event stream this often (0 = never), so that
   * subscribers reconnect and resume from Last-Event-ID; deliveries must still be complete.
   */
  dropEvery: Duration.default(0),
});
export type SseOptions = z.output<typeof sseOptions>;

/**
 * Server-Sent Events: a node:http `text/event-stream` server. `GET /events` opens a stream (with
 * `Last-Event-ID`: after replaying what followed that event from a bounded buffer); `POST /publish`
 * with the record's JSON writes `id: <seq>` + `data: <json>` to every open stream and answers
 * `{"seq":N}` (after the server's delay). Subscribers are `eventsource` clients (WHATWG EventSource
 * over fetch), so reconnection and resume are the library's; the publisher is an undici Client.
 * Payload bytes: request body and ack; a delivery's bytes are the event's data. Endpoint: http://host:port.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(sseOptions, server, client);
