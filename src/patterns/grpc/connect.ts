import { OpError, type ClientContext, type PatternClient } from '../types.js';
import type { GrpcOptions } from './index.js';

/**
 * The grpc pattern's client: the user's own call (own-client.ts) when the case has a `request`,
 * else the client its `client` option names — grpc-js (client.ts), or the lean unary ones on
 * node:http2 (http2-client.ts) and on raw HTTP/2 frames (frames-client.ts). Each loads on first use.
 */
export async function connect(ctx: ClientContext<GrpcOptions>): Promise<PatternClient> {
  if (ctx.request) return (await import('./own-client.js')).connectOwnGrpc(ctx);
  if (ctx.options.client === 'grpc-js') return (await import('./client.js')).connectGrpc(ctx);
  if (ctx.options.mode !== 'unary') {
    throw new OpError(
      'protocol',
      `grpc option client: ${ctx.options.client} supports mode unary only, not ${ctx.options.mode}`,
    );
  }
  if (ctx.options.client === 'frames') return (await import('./frames-client.js')).connectGrpcFrames(ctx);
  return (await import('./http2-client.js')).connectGrpcHttp2(ctx);
}
