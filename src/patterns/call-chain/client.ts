import { Metadata } from '@grpc/grpc-js';
import { metadataString, openChannel, unaryClient, type UnaryMetadata } from '../grpc/client.js';
import { servicePath } from '../../hops/rest-service.js';
import { newTraceparent, traceIdOf, traceparentHeader, traceresponseHeader } from '../../hops/trace.js';
import { connectJsonClient } from '../../toolkit/json-client.js';
import { jsonEchoProblem } from '../rest/json-echo.js';
import { OpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';
import type { CallChainOptions } from './index.js';

type Ctx = ClientContext<CallChainOptions>;

export function connect(ctx: Ctx): Promise<PatternClient> {
  return ctx.options.via === 'grpc' ? connectGrpcChain(ctx) : Promise.resolve(restChainClient(ctx));
}

/** With a traceparent sent: the traceresponse must carry its trace-id; undefined when it does, or none was sent. */
function traceProblem(
  traceparent: string | undefined,
  traceresponse: string | undefined,
): OpError | undefined {
  if (traceparent === undefined) return undefined;
  if (traceresponse === undefined) return new OpError('protocol', 'no traceresponse in the answer');
  if (traceIdOf(traceresponse) !== traceIdOf(traceparent)) {
    return new OpError(
      'mismatch',
      `trace-id ${traceIdOf(traceresponse)} came back for ${traceIdOf(traceparent)}`,
    );
  }
  return undefined;
}

/** The rest pattern's client (connectJsonClient) plus a fresh traceparent per request, checked on the way back. */
function restChainClient(ctx: Ctx): PatternClient {
  const plain = { 'content-type': 'application/json' };
  const request = `POST ${servicePath}`;
  return connectJsonClient(ctx, {
    path: servicePath,
    headers: plain,
    ...(ctx.options.traceContext
      ? { headersFor: () => ({ ...plain, [traceparentHeader]: newTraceparent() }) }
      : {}),
    body: (msg) => JSON.stringify(msg),
    check(status, body, msg, verify, sent, received) {
      const tr = received[traceresponseHeader];
      return (
        jsonEchoProblem(status, body, msg, verify, request) ??
        traceProblem(sent[traceparentHeader], typeof tr === 'string' ? tr : undefined)
      );
    },
  });
}

/** Trace context in gRPC metadata: a fresh traceparent per call, its trace-id expected back in traceresponse. */
const traceMetadata: UnaryMetadata = {
  outgoing() {
    const md = new Metadata();
    md.set(traceparentHeader, newTraceparent());
    return md;
  },
  check: (sent, received) =>
    traceProblem(
      metadataString(sent, traceparentHeader),
      received && metadataString(received, traceresponseHeader),
    ),
};

/** The grpc pattern's unary client (one channel per connection) plus trace metadata. */
async function connectGrpcChain(ctx: Ctx): Promise<PatternClient> {
  return unaryClient(await openChannel(ctx), ctx, ctx.options.traceContext ? traceMetadata : undefined);
}
