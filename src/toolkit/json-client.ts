import type { ConnectionOptions } from 'node:tls';
import { Client, type Dispatcher } from 'undici';
import type { EchoRecord } from '../message.js';
import { tlsProblem } from './request/tls.js';
import { PendingQueue, type PendingOp } from './pending.js';
import {
  maxResponseBytes,
  OpError,
  oversizeError,
  toOpError,
  type ClientContext,
  type PatternClient,
} from './contract.js';

/** What differs between JSON-over-HTTP/1.1 echo clients (rest, graphql): the request and the check. */
export interface JsonExchange {
  readonly path: string;
  /** Default POST. */
  readonly method?: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Per-request headers instead of `headers` (e.g. a fresh traceparent); the check sees them. */
  headersFor?(msg: EchoRecord): Readonly<Record<string, string>>;
  /** TLS settings for an https:// URL (CA, client certificate, verification). */
  readonly tls?: ConnectionOptions;
  /** The request body that carries `msg` (undefined: none, e.g. a GET). */
  body(msg: EchoRecord): string | undefined;
  /**
   * Checks a whole response: undefined when it is the echo of `msg`, else the OpError to fail with.
   * `sent` are the request's headers, `received` the response's.
   */
  check(
    status: number,
    body: Buffer,
    msg: EchoRecord,
    verify: boolean,
    sent: Readonly<Record<string, string>>,
    received: ResponseHeaders,
  ): OpError | undefined;
}

type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** One request: a PendingOp for the deadline sweep and an undici dispatch handler for the response. */
class JsonOp implements PendingOp, Dispatcher.DispatchHandler {
  settled = false;
  private status = 0;
  private received: ResponseHeaders = {};
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(
    readonly deadline: number,
    private readonly msg: EchoRecord,
    private readonly requestBytes: number,
    private readonly verify: boolean,
    private readonly exchange: JsonExchange,
    private readonly sent: Readonly<Record<string, string>>,
    private readonly done: () => void,
    private readonly meter: ClientContext['payload'],
    private readonly resolve: () => void,
    readonly reject: (err: OpError) => void,
  ) {}

  onRequestStart(): void {}

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    this.status = statusCode;
    this.received = headers;
    const announced = Number(headers['content-length']);
    if (announced > maxResponseBytes) this.oversize(controller, oversizeError(announced, true));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    if (this.length + chunk.length > maxResponseBytes)
      return this.oversize(controller, oversizeError(this.length + chunk.length, false));
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Fails the operation as too large and aborts the response (undici closes the connection). */
  private oversize(controller: Dispatcher.DispatchController, err: OpError): void {
    if (this.settled) return;
    this.settled = true;
    this.chunks = [];
    this.done();
    this.reject(err);
    controller.abort(err);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.done();
    const body =
      this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.length);
    const problem = this.exchange.check(this.status, body, this.msg, this.verify, this.sent, this.received);
    if (problem) return this.reject(problem);
    this.meter.add(this.requestBytes, this.length);
    this.resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.done();
    const tls = tlsProblem(err);
    this.reject(tls ? new OpError('connection', tls, { cause: err }) : toOpError(err));
  }
}

/**
 * An echo client that POSTs JSON over one HTTP/1.1 keep-alive connection (undici Client, pipelining
 * = ctx.inFlight). undici's dispatch API reads the body without a per-response stream; deadlines
 * are one PendingQueue sweep per connection (undici's own timers would start late when pipelining).
 */
export function connectJsonClient(ctx: ClientContext<unknown>, exchange: JsonExchange): PatternClient {
  const client = new Client(ctx.url.origin, {
    pipelining: ctx.inFlight,
    connectTimeout: ctx.timeoutMs,
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 60_000,
    ...(ctx.localAddress === undefined ? {} : { localAddress: ctx.localAddress }),
    ...(exchange.tls ? { connect: exchange.tls } : {}),
  });
  const pending = new PendingQueue<JsonOp>(ctx.timeoutMs);
  const done = (): void => pending.dropSettled();
  const { path, headers } = exchange;
  const method = (exchange.method ?? 'POST') as Dispatcher.HttpMethod;
  let closed = false;
  return {
    send(msg, verify) {
      if (closed) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const body = exchange.body(msg);
        const sent = exchange.headersFor ? exchange.headersFor(msg) : headers;
        const op = new JsonOp(
          performance.now() + ctx.timeoutMs,
          msg,
          body === undefined ? 0 : Buffer.byteLength(body),
          verify,
          exchange,
          sent,
          done,
          ctx.payload,
          resolve,
          reject,
        );
        pending.push(op);
        // idempotent: undici pipelines only requests marked so; an echo is, and a user's request
        // is sent once either way (undici's Client does not retry).
        client.dispatch(
          { origin: ctx.url.origin, path, method, headers: sent, body: body ?? null, idempotent: true },
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
