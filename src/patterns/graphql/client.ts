import { Client, type Dispatcher } from 'undici';
import { recordsEqual, type EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../pending.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../types.js';
import { echoQuery } from './documents.js';
import type { GraphqlOptions, Selection } from './index.js';

const headers = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json;q=0.9',
};

interface GraphqlResponse {
  data?: { echo?: Partial<EchoRecord> | null } | null;
  errors?: { message?: string }[];
}

/** One request: a PendingOp for the deadline sweep and an undici dispatch handler for the response. */
class GraphqlOp implements PendingOp, Dispatcher.DispatchHandler {
  settled = false;
  private status = 0;
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(
    readonly deadline: number,
    private readonly msg: EchoRecord,
    private readonly requestBytes: number,
    private readonly verify: boolean,
    private readonly selection: Selection,
    private readonly done: () => void,
    private readonly meter: ClientContext['payload'],
    private readonly resolve: () => void,
    readonly reject: (err: OpError) => void,
  ) {}

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.done();
    const body =
      this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.length);
    let response: GraphqlResponse;
    try {
      response = JSON.parse(body.toString()) as GraphqlResponse;
    } catch (err) {
      return this.reject(
        new OpError('protocol', `HTTP ${this.status}, response is not JSON: ${(err as Error).message}`),
      );
    }
    if (response.errors?.length) {
      return this.reject(
        new OpError('protocol', `HTTP ${this.status}, GraphQL error: ${response.errors[0]?.message ?? '?'}`),
      );
    }
    if (this.status !== 200) return this.reject(new OpError('protocol', `HTTP status ${this.status}`));
    const echo = response.data?.echo;
    if (!echo) return this.reject(new OpError('protocol', 'response has no data.echo'));
    if (echo.seq !== this.msg.seq) {
      return this.reject(new OpError('mismatch', `echo seq ${echo.seq} != ${this.msg.seq}`));
    }
    if (
      this.verify &&
      !(this.selection === 'full' ? recordsEqual(echo, this.msg) : echo.name === this.msg.name)
    ) {
      return this.reject(new OpError('mismatch', `echo of seq ${this.msg.seq} differs from the request`));
    }
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

export function connectGraphql(ctx: ClientContext<GraphqlOptions>): Promise<PatternClient> {
  const client = new Client(ctx.url.origin, {
    pipelining: ctx.inFlight,
    connectTimeout: ctx.timeoutMs,
    // Deadlines are ours (PendingQueue): undici's per-request timers would start late under pipelining.
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 60_000,
  });
  const pending = new PendingQueue<GraphqlOp>(ctx.timeoutMs);
  const done = () => pending.dropSettled();
  let closed = false;
  const { path, selection } = ctx.options;
  // The body is JSON.stringify({ query, variables: { input: msg } }), with the constant part encoded once.
  const prefix = `{"query":${JSON.stringify(echoQuery[selection])},"variables":{"input":`;

  return Promise.resolve({
    send(msg, verify) {
      if (closed) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const body = `${prefix}${JSON.stringify(msg)}}}`;
        const op = new GraphqlOp(
          performance.now() + ctx.timeoutMs,
          msg,
          Buffer.byteLength(body),
          verify,
          selection,
          done,
          ctx.payload,
          resolve,
          reject,
        );
        pending.push(op);
        client.dispatch(
          { origin: ctx.url.origin, path, method: 'POST', headers, body, idempotent: true },
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
  });
}
