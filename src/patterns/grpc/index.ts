import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `grpc` pattern (scenario `options:`). */
export const grpcOptions = z.strictObject({
  /** Server: most concurrent streams per HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS); 0 = grpc-js default. */
  maxConcurrentStreams: z.number().int().min(0).default(0),
  /**
   * Client: which RPC one operation is. `unary`: one Unary call per operation. `bidi-stream`: one
   * long-lived BidiStream call per connection; an operation writes a message and ends when its echo
   * arrives (per-message latency). `server-stream`: one ServerStream call per operation, which ends
   * when the last of `messages` copies has arrived (latency to the last message).
   */
  mode: z.enum(['unary', 'bidi-stream', 'server-stream']).default('unary'),
  /** server-stream: copies of the record the server streams back per operation. */
  messages: z.int().min(1).max(100_000).default(10),
  /**
   * Client, unary mode: `grpc-js` (@grpc/grpc-js, what Node services use); `http2`, a lean client
   * on node:http2 (nghttp2) speaking the same wire protocol; `frames`, commbench's own HTTP/2
   * framing on node:net with pre-encoded HPACK headers, as h2load does (frames-client.ts). They
   * separate the cost of gRPC the protocol from that of a client library.
   */
  client: z.enum(['grpc-js', 'http2', 'frames']).default('grpc-js'),
});
export type GrpcOptions = z.output<typeof grpcOptions>;

/**
 * gRPC over HTTP/2 (@grpc/grpc-js), commbench.echo.v1.Echo from proto/echo.proto, encoded with
 * protobufjs. One channel (one HTTP/2 connection, no shared subchannel) per client connection.
 * unary: `inFlight` calls run concurrently as streams on it; bidi-stream: `inFlight` messages are
 * outstanding on the connection's one stream (answered in order); server-stream: `inFlight` calls
 * stream concurrently. Payload bytes = protobuf-encoded messages (without the 5-byte gRPC message
 * prefix); a server-stream operation's response bytes are those of all its messages.
 * Endpoint: grpc://host:port.
 *
 * With a `request` block the client calls the user's own method instead (own-client.ts): from
 * `request.proto` or server reflection, any of unary / server-stream / client-stream / bidi;
 * grpcs:// is TLS.
 */
const server = () => import('./server.js');
const client = () => import('./connect.js');
export default requestPattern(grpcOptions, server, client);
