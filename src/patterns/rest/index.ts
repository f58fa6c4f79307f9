import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `rest` pattern (scenario `options:`); the server and the client read the same. */
export const restOptions = z.strictObject({
  /** Request path of the echo endpoint. */
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'an absolute path without query, e.g. /echo')
    .default('/echo'),
  /**
   * Client: `net`, a lean HTTP/1.1 keep-alive client on node:net (pre-encoded request, seq patched;
   * like wrk/autocannon), or `undici` (one undici Client per connection, what Node services use).
   * Unset: `net` for the echo over http://, `undici` for a `request` block or an https:// target.
   */
  client: z.enum(['undici', 'net']).optional(),
});
export type RestOptions = z.output<typeof restOptions>;

/** The client a rest connection uses: `client` when given, else as the option's comment says. */
export function restClientOf(options: RestOptions, ctx: { url: URL; request?: unknown }): 'undici' | 'net' {
  return options.client ?? (ctx.request === undefined && ctx.url.protocol === 'http:' ? 'net' : 'undici');
}

/**
 * HTTP/1.1 + JSON: `POST <path>` with the record as the body; the node:http server parses it and
 * answers 200 with JSON.stringify of the parsed record (keep-alive). The client is the lean
 * node:net client (net-client.ts) by default, or one undici `Client` per connection
 * (`client: undici`), both pipelining inFlight requests. Payload bytes = request and response
 * bodies. With a `request` block (scenario `request:`) it sends the user's own request to the
 * target URL with undici, judged by `expect` (src/toolkit/request/).
 */
const server = () => import('./server.js');
const client = () => import('./connect.js');
export default requestPattern(restOptions, server, client);
