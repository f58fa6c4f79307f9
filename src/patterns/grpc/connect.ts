import { OpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';
import type { GrpcOptions } from './index.js';

/**
 * The grpc pattern's client: the user's own call (own-client.ts) when the case has a `request`,
 * else the client its `client` option names — grpc-js (client.ts), or the lean unary ones on
 * node:http2 (http2-client.ts) and on raw HTTP/2 frames (frames-client.ts). Each loads on first use.
 */
export async function connect(ctx: ClientContext<GrpcOptions>): Promise<PatternClient> {
  if (ctx.request) return (await import('./own-client.js')).connectOwnGrpc(ctx);
  if (ctx.options.client === 'grpc-js') return explained(ctx, (await import('./client.js')).connectGrpc);
  if (ctx.options.mode !== 'unary') {
    throw new OpError(
      'protocol',
      `grpc option client: ${ctx.options.client} supports mode unary only, not ${ctx.options.mode}`,
    );
  }
  if (ctx.options.client === 'frames') return (await import('./frames-client.js')).connectGrpcFrames(ctx);
  return explained(ctx, (await import('./http2-client.js')).connectGrpcHttp2);
}

/** grpc-js and node:http2 clients: a server that is not HTTP/2 is named as such, as the frames client does. */
async function explained(
  ctx: ClientContext<GrpcOptions>,
  open: (ctx: ClientContext<GrpcOptions>) => Promise<PatternClient>,
): Promise<PatternClient> {
  const { explainingNotHttp2, whyNotHttp2 } = await import('../../toolkit/not-http2.js');
  try {
    return explainingNotHttp2(await open(ctx), ctx.url);
  } catch (err) {
    throw await whyNotHttp2(err, ctx.url);
  }
}
