import { Client as GrpcClient, credentials, Metadata } from '@grpc/grpc-js';
import { Client, type Dispatcher } from 'undici';
import { recordsEqual, type EchoRecord } from '../../message.js';
import { opErrorOf, ready } from '../grpc/client.js';
import { echoCodec, unaryPath } from '../grpc/proto.js';
import { hopChannelOptions } from '../../hops/grpc-service.js';
import { servicePath } from '../../hops/rest-service.js';
import { newTraceparent, traceIdOf, traceparentHeader, traceresponseHeader } from '../../hops/trace.js';
import { PendingQueue, type PendingOp } from '../pending.js';
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

/** One request over HTTP/1.1: a PendingOp for the deadline sweep and an undici dispatch handler. */
class RestChainOp implements PendingOp, Dispatcher.DispatchHandler {
  settled = false;
  private status = 0;
  private traceresponse: string | undefined;
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(
    readonly deadline: number,
    private readonly msg: EchoRecord,
    private readonly requestBytes: number,
    private readonly verify: boolean,
    private readonly traceparent: string | undefined,
    private readonly done: () => void,
    private readonly meter: Ctx['payload'],
    private readonly resolve: () => void,
    readonly reject: (err: OpError) => void,
  ) {}

  onRequestStart(): void {}

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.status = statusCode;
    const tr = headers[traceresponseHeader];
    this.traceresponse = typeof tr === 'string' ? tr : undefined;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.done();
    if (this.status !== 200) return this.reject(new OpError('protocol', `HTTP status ${this.status}`));
    const body =
      this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.length);
    let echo: EchoRecord;
    try {
      echo = JSON.parse(body.toString()) as EchoRecord;
    } catch (err) {
      return this.reject(new OpError('protocol', `response is not JSON: ${(err as Error).message}`));
    }
    const problem = echoProblem(echo, this.msg, this.verify, this.traceparent, this.traceresponse);
    if (problem) return this.reject(problem);
    this.meter.add(this.requestBytes, this.length);
    this.resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.done();
    this.reject(toOpError(err));
  }
}

/** The rest pattern's client (one undici Client per connection, pipelining = inFlight) plus trace headers. */
function restChainClient(ctx: Ctx): PatternClient {
  const client = new Client(ctx.url.origin, {
    pipelining: ctx.inFlight,
    connectTimeout: ctx.timeoutMs,
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 60_000,
  });
  const pending = new PendingQueue<RestChainOp>(ctx.timeoutMs);
  const done = () => pending.dropSettled();
  const trace = ctx.options.traceContext;
  const plain = { 'content-type': 'application/json' };
  let closed = false;

  return {
    send(msg, verify) {
      if (closed) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const body = JSON.stringify(msg);
        const traceparent = trace ? newTraceparent() : undefined;
        const headers = traceparent === undefined ? plain : { ...plain, [traceparentHeader]: traceparent };
        const op = new RestChainOp(
          performance.now() + ctx.timeoutMs,
          msg,
          Buffer.byteLength(body),
          verify,
          traceparent,
          done,
          ctx.payload,
          resolve,
          reject,
        );
        pending.push(op);
        client.dispatch(
          { origin: ctx.url.origin, path: servicePath, method: 'POST', headers, body, idempotent: true },
          op,
        );
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      pending.failAll(new OpError('connection', 'client closed'));
      await client.destroy();
    },
  };
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
