import { WebSocket, type RawData } from 'ws';
import { resolveEnv } from '../../toolkit/request/env.js';
import { readRequestFile, requestHeaders, statusProblem } from '../../toolkit/request/http.js';
import type { RequestSpec } from '../../plan/request.js';
import { compileTemplate } from '../../toolkit/request/template.js';
import { tlsOptions, tlsProblem } from '../../toolkit/request/tls.js';
import { PendingQueue, type PendingOp } from '../../toolkit/pending.js';
import {
  maxResponseBytes,
  OpError,
  toOpError,
  type ClientContext,
  type PatternClient,
} from '../../toolkit/contract.js';
import { failOnClose } from './client.js';
import type { WebSocketOptions } from './index.js';

interface OwnOp extends PendingOp {
  readonly seq: number;
  readonly bytes: number;
  resolve(): void;
}

/** Reads a dotted path ('data.seq') from a parsed JSON value. */
function field(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Opens the socket with the user's headers, subprotocol and TLS; a refused handshake names its status. */
function open(ctx: ClientContext<WebSocketOptions>, request: RequestSpec): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(ctx.url, request.subprotocol, {
      perMessageDeflate: false,
      maxPayload: maxResponseBytes,
      handshakeTimeout: ctx.timeoutMs,
      headers: requestHeaders(request),
      ...tlsOptions(request),
    });
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      socket.terminate();
      const what = `the WebSocket handshake to ${ctx.url.pathname}`;
      reject(new OpError('protocol', statusProblem(res.statusCode ?? 0, what, { status: 101 })));
    });
    socket.once('error', (err) => {
      socket.terminate();
      const tls = tlsProblem(err);
      if (tls) return reject(new OpError('connection', tls, { cause: err }));
      if (/subprotocol/i.test(err.message)) {
        return reject(new OpError('protocol', `${err.message}: check request.subprotocol`, { cause: err }));
      }
      reject(
        /timed out/i.test(err.message) ? new OpError('timeout', err.message, { cause: err }) : toOpError(err),
      );
    });
    socket.once('open', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/**
 * The user's own WebSocket service: one socket per connection to the URL as given, sending
 * `request.message` (templates rendered per operation). What answers an operation is
 * `request.answer`: 'next' (default: the next message received, in order) or `{ field }` (a JSON
 * message whose field equals the sent seq; other messages are ignored). `expect.bodyContains`
 * applies to the answer.
 */
export async function connectOwnWebSocket(ctx: ClientContext<WebSocketOptions>): Promise<PatternClient> {
  const request = ctx.request as RequestSpec;
  const text =
    request.messageFile !== undefined
      ? readRequestFile(request.messageFile, 'messageFile')
      : typeof request.message === 'string'
        ? request.message
        : request.message === undefined
          ? '{"seq":{{seq}}}'
          : JSON.stringify(request.message);
  const template = compileTemplate(resolveEnv(text));
  const byField = typeof request.answer === 'object' ? request.answer.field.split('.') : undefined;
  const contains = request.expect?.bodyContains;
  const socket = await open(ctx, request);
  const pending = new PendingQueue<OwnOp>(ctx.timeoutMs);
  const bySeq = new Map<string, OwnOp>();
  let failure: OpError | undefined;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const fail = (err: OpError): void => {
    failure ??= err;
    pending.failAll(failure);
    bySeq.clear();
    socket.terminate();
  };
  const settle = (op: OwnOp, answer: string): void => {
    if (op.settled) return;
    op.settled = true;
    if (contains !== undefined && !answer.includes(contains)) {
      return op.reject(
        new OpError('mismatch', `answer to seq ${op.seq} does not contain ${JSON.stringify(contains)}`),
      );
    }
    ctx.payload.add(op.bytes, Buffer.byteLength(answer));
    op.resolve();
  };

  socket.on('message', (data: RawData) => {
    const answer = data.toString();
    if (!byField) {
      const op = pending.shift();
      if (op === undefined)
        return fail(new OpError('protocol', 'a message arrived with nothing outstanding'));
      return settle(op, answer);
    }
    let value: unknown;
    try {
      value = JSON.parse(answer);
    } catch {
      return;
    }
    const key = field(value, byField);
    if (key === undefined || key === null) return;
    const op = bySeq.get(String(key as string | number));
    if (op === undefined) return;
    bySeq.delete(String(key as string | number));
    settle(op, answer);
    pending.dropSettled();
  });
  failOnClose(socket, ctx.url.host, fail);

  return {
    send(msg) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        const out = template.render(msg.seq);
        const op: OwnOp = {
          seq: msg.seq,
          bytes: Buffer.byteLength(out),
          deadline: performance.now() + ctx.timeoutMs,
          settled: false,
          resolve,
          reject: (err: OpError) => {
            bySeq.delete(String(msg.seq));
            reject(err);
          },
        };
        pending.push(op);
        if (byField) bySeq.set(String(msg.seq), op);
        socket.send(out);
      });
    },
    close() {
      fail(new OpError('connection', 'client closed'));
      return closed;
    },
  };
}
