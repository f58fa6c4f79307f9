import { z } from 'zod';
import type { Pattern } from '../types.js';

/** Options of the `grpc` pattern (scenario `options:`). */
export const grpcOptions = z.strictObject({
  /** Server: most concurrent streams per HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS); 0 = grpc-js default. */
  maxConcurrentStreams: z.number().int().min(0).default(0),
});
export type GrpcOptions = z.output<typeof grpcOptions>;

/**
 * gRPC unary over HTTP/2 (@grpc/grpc-js), commbench.echo.v1.Echo/Unary from proto/echo.proto, encoded
 * with protobufjs. One channel (one HTTP/2 connection, no shared subchannel) per client connection;
 * `inFlight` calls run concurrently as streams on it. Payload bytes = protobuf-encoded messages
 * (without the 5-byte gRPC message prefix). Endpoint: grpc://host:port.
 */
const grpc = {
  name: 'grpc',
  kind: 'request-response',
  summary: 'gRPC unary over HTTP/2, protobuf (@grpc/grpc-js, one channel per connection)',
  options: grpcOptions,
  scheme: 'grpc',
  async startServer(ctx) {
    const { startGrpcServer } = await import('./server.js');
    return startGrpcServer(ctx);
  },
  async connect(ctx) {
    const { connectGrpc } = await import('./client.js');
    return connectGrpc(ctx);
  },
} satisfies Pattern<GrpcOptions>;

export default grpc;
