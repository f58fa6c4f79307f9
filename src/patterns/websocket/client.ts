import { WebSocket, type RawData } from 'ws';
import type { EchoRecord } from '../../message.js';
import { InOrderClient, jsonEchoProblem } from '../../toolkit/pending.js';
import {
  maxResponseBytes,
  OpError,
  toOpError,
  type ClientContext,
  type PatternClient,
  type SubscriberContext,
  type Subscription,
} from '../../toolkit/contract.js';
import type { WebSocketOptions } from './index.js';
import { reconnecting, type Connection } from './reconnect.js';

/** Opens a socket to `url`; rejects with an OpError ('connection', 'timeout' or 'protocol'). */
export function openSocket(
  url: URL,
  timeoutMs: number,
  protocol?: string,
  localAddress?: string,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocol, {
      perMessageDeflate: false,
      maxPayload: maxResponseBytes,
      handshakeTimeout: timeoutMs,
      ...(localAddress === undefined ? {} : { localAddress }),
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

/**
 * echo: each answer is the echo of the oldest outstanding message. broadcast: each answer is the
 * ack `{"seq":N}` of the oldest outstanding publish.
 */
export function connectWebSocket(ctx: ClientContext<WebSocketOptions>): Promise<PatternClient> {
  return reconnecting(() => openWebSocket(ctx));
}

async function openWebSocket(ctx: ClientContext<WebSocketOptions>): Promise<Connection> {
  const echo = ctx.options.mode === 'echo';
  const socket = await openSocket(
    new URL(echo ? '/echo' : '/publish', ctx.url),
    ctx.timeoutMs,
    undefined,
    ctx.localAddress,
  );
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const client = new InOrderClient<string>(
    ctx,
    {
      encode: (msg) => JSON.stringify(msg),
      write: (text) => socket.send(text),
      check: (op, answer) =>
        echo
          ? answer === op.request
            ? undefined
            : jsonEchoProblem(answer, op.msg, op.verify)
          : jsonEchoProblem(answer, op.msg, false, 'ack'),
      bytes: (text) => Buffer.byteLength(text),
      destroy: () => socket.terminate(),
    },
    closed,
  );
  socket.on('message', (data: RawData) => client.answer(data.toString()));
  failOnClose(socket, ctx.url.host, client.fail);
  return { client, closed };
}

/** One subscriber socket on `/subscribe`; every text message is a published record. */
export async function subscribeWebSocket(ctx: SubscriberContext<WebSocketOptions>): Promise<Subscription> {
  const socket = await openSocket(new URL('/subscribe', ctx.url), ctx.timeoutMs, undefined, ctx.localAddress);
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
