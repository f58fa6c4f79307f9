import { z } from 'zod';
import type { Pattern } from '../types.js';

/** Options of the `rest` pattern (scenario `options:`); the server and the client read the same. */
export const restOptions = z.strictObject({
  /** Request path of the echo endpoint. */
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'an absolute path without query, e.g. /echo')
    .default('/echo'),
  /**
   * Client: `undici` (one undici Client per connection, what Node services use) or `net`, a lean
   * HTTP/1.1 keep-alive client on node:net (pre-encoded request, seq patched; like wrk/autocannon).
   */
  client: z.enum(['undici', 'net']).default('undici'),
});
export type RestOptions = z.output<typeof restOptions>;

/**
 * HTTP/1.1 + JSON: `POST <path>` with the record as the body; the node:http server parses it and
 * answers 200 with JSON.stringify of the parsed record (keep-alive). The client is one undici
 * `Client` per connection with pipelining = inFlight. Payload bytes = request and response bodies.
 * With a `request` block (scenario `request:`) it sends the user's own request to the target URL,
 * judged by `expect` (src/patterns/request/).
 */
const rest = {
  name: 'rest',
  kind: 'request-response',
  summary: 'HTTP/1.1 POST with a JSON body (node:http server, undici client, keep-alive, pipelining)',
  options: restOptions,
  scheme: 'http',
  async startServer(ctx) {
    const { startRestServer } = await import('./server.js');
    return startRestServer(ctx);
  },
  async connect(ctx) {
    if (ctx.options.client === 'net') {
      const { connectRestNet } = await import('./net-client.js');
      return connectRestNet(ctx);
    }
    const { connectRest } = await import('./client.js');
    return connectRest(ctx);
  },
} satisfies Pattern<RestOptions>;

export default rest;
