import { Client, type Dispatcher } from 'undici';
import type { EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../pending.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../types.js';

const headers = { 'content-type': 'application/json' };

/** The ack a push server answers an accepted publish with: `{"seq":N}`. */
export function ackOf(seq: number): string {
  return `{"seq":${seq}}`;
}

/** One POST: a PendingOp for the deadline sweep and an undici dispatch handler for the ack. */
class PublishOp implements PendingOp, Dispatcher.DispatchHandler {
  settled = false;
  private status = 0;
  private body = '';

  constructor(
    readonly deadline: number,
    private readonly seq: number,
    private readonly requestBytes: number,
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
    this.body += chunk.toString();
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.done();
    if (this.status !== 200) return this.reject(new OpError('protocol', `HTTP status ${this.status}`));
    let ack: { seq?: unknown };
    try {
      ack = JSON.parse(this.body) as { seq?: unknown };
    } catch (err) {
      return this.reject(new OpError('protocol', `ack is not JSON: ${(err as Error).message}`));
    }
    if (ack.seq !== this.seq)
      return this.reject(new OpError('mismatch', `ack seq ${String(ack.seq)} != ${this.seq}`));
    this.meter.add(this.requestBytes, Buffer.byteLength(this.body));
    this.resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.done();
    this.reject(toOpError(err));
  }
}

/**
 * The publisher of the HTTP push patterns (sse, poll): `POST <path>` with the record's JSON, on one
 * keep-alive undici Client (pipelining = inFlight); send resolves on the server's `{"seq":N}` ack.
 */
export function connectHttpPublisher(ctx: ClientContext, path: string): PatternClient {
  const client = new Client(ctx.url.origin, {
    pipelining: ctx.inFlight,
    connectTimeout: ctx.timeoutMs,
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 60_000,
  });
  const pending = new PendingQueue<PublishOp>(ctx.timeoutMs);
  const done = (): void => pending.dropSettled();
  let closed = false;

  return {
    send(msg: EchoRecord) {
      if (closed) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const body = JSON.stringify(msg);
        const op = new PublishOp(
          performance.now() + ctx.timeoutMs,
          msg.seq,
          Buffer.byteLength(body),
          done,
          ctx.payload,
          resolve,
          reject,
        );
        pending.push(op);
        // idempotent: lets undici pipeline the POSTs (it never retries them by itself).
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
  };
}
