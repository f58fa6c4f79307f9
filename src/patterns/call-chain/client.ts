import { Client as GrpcClient, credentials, Metadata } from '@grpc/grpc-js';
import { recordsEqual, type EchoRecord } from '../../message.js';
import { opErrorOf, ready } from '../grpc/client.js';
import { echoCodec, unaryPath } from '../grpc/proto.js';
import { hopChannelOptions } from '../../hops/grpc-service.js';
import { servicePath } from '../../hops/rest-service.js';
import { newTraceparent, traceIdOf, traceparentHeader, traceresponseHeader } from '../../hops/trace.js';
import { connectJsonClient } from '../json-client.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../types.js';
import type { CallChainOptions } from './index.js';

type Ctx = ClientContext<CallChainOptions>;

export function connectCallChain(ctx: Ctx): Promise<PatternClient> {
  return ctx.options.via === 'grpc' ? connectGrpcChain(ctx) : Promise.resolve(restChainClient(ctx));
}

/** Checks the echo and, with trace context, that the trace-id came back; undefined when all is well. */
function echoProblem(
  echo: Partial<EchoRecord>,
  msg: EchoRecord,
  verify: boolean,
  traceparent: string | undefined,
  traceresponse: string | undefined,
): OpError | undefined {
  if ((echo.seq ?? 0) !== msg.seq) return new OpError('mismatch', `echo seq ${echo.seq ?? 0} != ${msg.seq}`);
  if (verify && !recordsEqual(echo, msg)) {
    return new OpError('mismatch', `echo of seq ${msg.seq} differs from the request`);
  }
  if (traceparent !== undefined) {
    if (traceresponse === undefined) return new OpError('protocol', 'no traceresponse in the answer');
    if (traceIdOf(traceresponse) !== traceIdOf(traceparent)) {
      return new OpError(
        'mismatch',
        `trace-id ${traceIdOf(traceresponse)} came back for ${traceIdOf(traceparent)}`,
      );
    }
  }
  return undefined;
}

/** The rest pattern's client (connectJsonClient) plus a fresh traceparent per request, checked on the way back. */
function restChainClient(ctx: Ctx): PatternClient {
  const plain = { 'content-type': 'application/json' };
  return connectJsonClient(ctx, {
    path: servicePath,
    headers: plain,
    ...(ctx.options.traceContext
      ? { headersFor: () => ({ ...plain, [traceparentHeader]: newTraceparent() }) }
      : {}),
    body: (msg) => JSON.stringify(msg),
    check(status, body, msg, verify, sent, received) {
      if (status !== 200) return new OpError('protocol', `HTTP status ${status}`);
      let echo: EchoRecord;
      try {
        echo = JSON.parse(body.toString()) as EchoRecord;
      } catch (err) {
        return new OpError('protocol', `response is not JSON: ${(err as Error).message}`);
      }
      const tr = received[traceresponseHeader];
      return echoProblem(echo, msg, verify, sent[traceparentHeader], typeof tr === 'string' ? tr : undefined);
    },
  });
}

/** The grpc pattern's unary client (one channel per connection) plus trace metadata. */
async function connectGrpcChain(ctx: Ctx): Promise<PatternClient> {
  const client = new GrpcClient(ctx.url.host, credentials.createInsecure(), hopChannelOptions);
  try {
    await ready(client, ctx);
  } catch (err) {
    client.close();
    throw err;
  }
  const codec = echoCodec();
  const trace = ctx.options.traceContext;
  const plain = new Metadata();
  const calls = new Set<{ cancel(): void }>();
  let closing = false;

  return {
    send(msg, verify) {
      if (closing) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const request = codec.encode(msg);
        const traceparent = trace ? newTraceparent() : undefined;
        let metadata = plain;
        if (traceparent !== undefined) {
          metadata = new Metadata();
          metadata.set(traceparentHeader, traceparent);
        }
        let traceresponse: string | undefined;
        let finished = false;
        let call: { cancel(): void } | undefined;
        try {
          const c = client.makeUnaryRequest<Buffer, Buffer>(
            unaryPath,
            (b) => b,
            (b) => b,
            request,
            metadata,
            { deadline: Date.now() + ctx.timeoutMs },
            (err, response) => {
              finished = true;
              if (call) calls.delete(call);
              if (err) return reject(opErrorOf(err, closing));
              if (response === undefined) return reject(new OpError('protocol', 'no response message'));
              let echo: Partial<EchoRecord>;
              try {
                echo = codec.decode(response);
              } catch (e) {
                return reject(
                  new OpError('protocol', `response is not an EchoRecord: ${(e as Error).message}`),
                );
              }
              const problem = echoProblem(echo, msg, verify, traceparent, traceresponse);
              if (problem) return reject(problem);
              ctx.payload.add(request.length, response.length);
              resolve();
            },
          );
          if (trace) {
            c.on('metadata', (md: Metadata) => {
              const v = md.get(traceresponseHeader)[0];
              traceresponse = v === undefined ? undefined : String(v);
            });
          }
          call = c;
        } catch (err) {
          return reject(toOpError(err));
        }
        if (!finished) calls.add(call);
      });
    },
    close() {
      if (!closing) {
        closing = true;
        for (const call of calls) call.cancel();
        client.close();
      }
      return Promise.resolve();
    },
  };
}
