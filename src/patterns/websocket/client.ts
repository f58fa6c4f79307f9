import { WebSocket, type RawData } from 'ws';
import { recordsEqual, type EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../pending.js';
import {
  OpError,
  toOpError,
  type ClientContext,
  type PatternClient,
  type SubscriberContext,
  type Subscription,
} from '../types.js';
import type { WebSocketOptions } from './index.js';
import { maxMessageBytes } from './server.js';

/** Opens a socket to `url`; rejects with an OpError ('connection', 'timeout' or 'protocol'). */
export function openSocket(url: URL, timeoutMs: number, protocol?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocol, {
      perMessageDeflate: false,
      maxPayload: maxMessageBytes,
      handshakeTimeout: timeoutMs,
    });
    const onError = (err: Error): void => {
      socket.terminate();
      reject(
        /timed out/i.test(err.message) ? new OpError('timeout', err.message, { cause: err }) : toOpError(err),
      );
    };
    socket.once('error', onError);
    socket.once('open', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** Closes `socket` at once (no closing handshake) and resolves when it has closed. */
export function terminate(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.terminate();
  });
}

interface WsOp extends PendingOp {
  readonly text: string;
  readonly seq: number;
  readonly verify: boolean;
  resolve(): void;
}

/**
 * echo: each answer is the echo of the oldest outstanding message. broadcast: each answer is the
 * ack `{"seq":N}` of the oldest outstanding publish.
 */
/** Fails the connection (`fail`) when the socket errors or closes; the close code and reason go in the message. */
export function failOnClose(socket: WebSocket, host: string, fail: (err: OpError) => void): void {
  socket.on('error', (err) => fail(toOpError(err)));
  socket.on('close', (code, reason) =>
    fail(
      new OpError(
        'connection',
        `socket to ${host} closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`,
      ),
    ),
  );
}

export async function connectWebSocket(ctx: ClientContext<WebSocketOptions>): Promise<PatternClient> {
  const echo = ctx.options.mode === 'echo';
  const socket = await openSocket(new URL(echo ? '/echo' : '/publish', ctx.url), ctx.timeoutMs);
  const pending = new PendingQueue<WsOp>(ctx.timeoutMs);
  let failure: OpError | undefined;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const fail = (err: OpError): void => {
    failure ??= err;
    pending.failAll(failure);
    socket.terminate();
  };

  const check = (op: WsOp, answer: string): OpError | undefined => {
    if (echo && answer === op.text) return undefined;
    let value: Partial<EchoRecord>;
    try {
      value = JSON.parse(answer) as Partial<EchoRecord>;
    } catch (err) {
      return new OpError('protocol', `answer is not JSON: ${(err as Error).message}`);
    }
    if (value.seq !== op.seq)
      return new OpError('mismatch', `${echo ? 'echo' : 'ack'} seq ${value.seq} != ${op.seq}`);
    if (echo && op.verify && !recordsEqual(value, JSON.parse(op.text) as EchoRecord))
      return new OpError('mismatch', `echo of seq ${op.seq} differs from the request`);
    return undefined;
  };

  socket.on('message', (data: RawData) => {
    const op = pending.shift();
    if (op === undefined) return fail(new OpError('protocol', 'answer without a pending message'));
    if (op.settled) return;
    op.settled = true;
    const answer = data.toString();
    const err = check(op, answer);
    if (err) return op.reject(err);
    ctx.payload.add(Buffer.byteLength(op.text), Buffer.byteLength(answer));
    op.resolve();
  });
  failOnClose(socket, ctx.url.host, fail);

  return {
    send(msg, verify) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        const op: WsOp = {
          text: JSON.stringify(msg),
          seq: msg.seq,
          verify,
          deadline: performance.now() + ctx.timeoutMs,
          settled: false,
          resolve,
          reject,
        };
        pending.push(op);
        socket.send(op.text);
      });
    },
    close() {
      fail(new OpError('connection', 'client closed'));
      return closed;
    },
  };
}

/** One subscriber socket on `/subscribe`; every text message is a published record. */
export async function subscribeWebSocket(ctx: SubscriberContext<WebSocketOptions>): Promise<Subscription> {
  const socket = await openSocket(new URL('/subscribe', ctx.url), ctx.timeoutMs);
  socket.on('error', () => socket.terminate());
  socket.on('message', (data: RawData) => {
    const text = data.toString();
    let record: EchoRecord;
    try {
      record = JSON.parse(text) as EchoRecord;
    } catch {
      return;
    }
    ctx.deliver(record.seq, record, Buffer.byteLength(text));
  });
  return { close: () => terminate(socket) };
}
