import { Client, type Dispatcher } from 'undici';
import { recordsEqual, type EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../pending.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../types.js';
import type { RestOptions } from './index.js';

const headers = { 'content-type': 'application/json' };

/** One request: a PendingOp for the deadline sweep and an undici dispatch handler for the response. */
class RestOp implements PendingOp, Dispatcher.DispatchHandler {
  settled = false;
  private status = 0;
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(
    readonly deadline: number,
    private readonly msg: EchoRecord,
    private readonly requestBytes: number,
    private readonly verify: boolean,
    private readonly done: (op: RestOp) => void,
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
    this.done(this);
    if (this.status !== 200) return this.reject(new OpError('protocol', `HTTP status ${this.status}`));
    const body =
      this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.length);
    let echo: EchoRecord;
    try {
      echo = JSON.parse(body.toString()) as EchoRecord;
    } catch (err) {
      return this.reject(new OpError('protocol', `response is not JSON: ${(err as Error).message}`));
    }
    if (echo.seq !== this.msg.seq) {
      return this.reject(new OpError('mismatch', `echo seq ${echo.seq} != ${this.msg.seq}`));
    }
    if (this.verify && !recordsEqual(echo, this.msg)) {
      return this.reject(new OpError('mismatch', `echo of seq ${this.msg.seq} differs from the request`));
    }
    this.meter.add(this.requestBytes, this.length);
    this.resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.done(this);
    this.reject(toOpError(err));
  }
}

export function connectRest(ctx: ClientContext<RestOptions>): Promise<PatternClient> {
  const client = new Client(ctx.url.origin, {
    pipelining: ctx.inFlight,
    connectTimeout: ctx.timeoutMs,
    // Deadlines are ours (PendingQueue): undici's per-request timers would start late under pipelining.
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 60_000,
  });
  const pending = new PendingQueue<RestOp>(ctx.timeoutMs);
  const done = () => pending.dropSettled();
  let closed = false;
  const path = ctx.options.path;

  return Promise.resolve({
    send(msg, verify) {
      if (closed) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const body = JSON.stringify(msg);
        const op = new RestOp(
          performance.now() + ctx.timeoutMs,
          msg,
          Buffer.byteLength(body),
          verify,
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
