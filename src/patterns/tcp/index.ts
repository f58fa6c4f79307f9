import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `tcp` pattern (scenario `options:`). */
export const tcpOptions = z.strictObject({
  /** Disable Nagle's algorithm on both ends (TCP_NODELAY); off only to show what Nagle costs. */
  noDelay: z.boolean().default(true),
});
export type TcpOptions = z.output<typeof tcpOptions>;

/**
 * The transport floor: raw TCP with 4-byte big-endian length-prefixed frames of the record's JSON.
 * The server reflects each frame unchanged without parsing it; the client pipelines up to `inFlight`
 * frames per connection and matches echoes in order. Payload bytes = JSON bytes (frame headers are
 * wire overhead, 4 bytes per frame each way).
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(tcpOptions, server, client);
