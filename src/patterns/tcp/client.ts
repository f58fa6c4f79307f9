import { connect as netConnect, type Socket } from 'node:net';
import type { EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../pending.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../types.js';
import { SeqTemplateEncoder } from '../seq-template.js';
import { encodeFrame, FrameReader, headerBytes } from './framing.js';
import type { TcpOptions } from './index.js';

interface TcpOp extends PendingOp {
  readonly frame: Buffer;
  readonly seq: number;
  readonly verify: boolean;
  resolve(): void;
}

/** Opens one socket; resolves once connected, rejects with OpError('connection'|'timeout'). */
/** Per socket: reads land here (net's `onread`, no stream machinery per chunk) and are copied out. */
const readBufferBytes = 64 * 1024;

/**
 * Opens one socket; resolves once connected, rejects with OpError('connection'|'timeout'). Every
 * read is handed to `reader.onChunk` (set it before data can arrive: it is called from the socket).
 */
function open(ctx: ClientContext<TcpOptions>, reader: { onChunk: (chunk: Buffer) => void }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({
      host: ctx.url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(ctx.url.port),
      onread: {
        buffer: Buffer.allocUnsafe(readBufferBytes),
        // A copy: FrameReader hands out subarrays and keeps partial frames, the buffer is reused.
        callback: (bytes: number, buf: Uint8Array) => {
          reader.onChunk(Buffer.from(buf.subarray(0, bytes)));
          return true;
        },
      },
    });
    socket.setNoDelay(ctx.options.noDelay);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new OpError('timeout', `no connection to ${ctx.url.host} within ${ctx.timeoutMs} ms`));
    }, ctx.timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(toOpError(err));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

export async function connectTcp(ctx: ClientContext<TcpOptions>): Promise<PatternClient> {
  const early: Buffer[] = [];
  const input = { onChunk: (chunk: Buffer): void => void early.push(chunk) };
  const socket = await open(ctx, input);
  const pending = new PendingQueue<TcpOp>(ctx.timeoutMs);
  const encoder = new SeqTemplateEncoder(encodeFrame, headerBytes);
  let failure: OpError | undefined;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  const fail = (err: OpError) => {
    failure ??= err;
    pending.failAll(failure);
    socket.destroy();
  };

  const reader = new FrameReader((frame) => {
    const op = pending.shift();
    if (op === undefined) return fail(new OpError('protocol', 'echo frame without a pending request'));
    if (op.settled) return;
    op.settled = true;
    if (frame.equals(op.frame)) {
      ctx.payload.add(op.frame.length - headerBytes, frame.length - headerBytes);
      return op.resolve();
    }
    // Rare path: say precisely what differs; without verify only the seq has to match.
    let echo: Partial<EchoRecord>;
    try {
      echo = JSON.parse(frame.toString('utf8', headerBytes)) as Partial<EchoRecord>;
    } catch (err) {
      return op.reject(new OpError('protocol', `echo is not JSON: ${(err as Error).message}`));
    }
    if (echo.seq !== op.seq) return op.reject(new OpError('mismatch', `echo seq ${echo.seq} != ${op.seq}`));
    if (op.verify)
      return op.reject(new OpError('mismatch', `echo of seq ${op.seq} differs from the request`));
    ctx.payload.add(op.frame.length - headerBytes, frame.length - headerBytes);
    op.resolve();
  });

  input.onChunk = (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch (err) {
      fail(new OpError('protocol', (err as Error).message));
    }
  };
  for (const chunk of early.splice(0)) input.onChunk(chunk);
  socket.on('error', (err) => fail(toOpError(err)));
  socket.on('close', () => fail(new OpError('connection', `connection to ${ctx.url.host} closed`)));

  return {
    send(msg, verify) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        const op: TcpOp = {
          frame: encoder.encode(msg),
          seq: msg.seq,
          verify,
          deadline: performance.now() + ctx.timeoutMs,
          settled: false,
          resolve,
          reject,
        };
        pending.push(op);
        socket.write(op.frame);
      });
    },
    close() {
      fail(new OpError('connection', 'client closed'));
      return closed;
    },
  };
}
