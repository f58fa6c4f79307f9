import type { Socket } from 'node:net';
import { connectSocket } from '../../toolkit/net-util.js';
import { InOrderClient, jsonEchoProblem } from '../../toolkit/pending.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';
import { SeqTemplateEncoder } from '../../toolkit/seq-template.js';
import { encodeFrame, FrameReader, headerBytes } from './framing.js';
import type { TcpOptions } from './index.js';

/** Per socket: reads land here (net's `onread`, no stream machinery per chunk) and are copied out. */
const readBufferBytes = 64 * 1024;

/**
 * Opens one socket; resolves once connected, rejects with OpError('connection'|'timeout'). Every
 * read is handed to `reader.onChunk` (set it before data can arrive: it is called from the socket).
 */
async function open(
  ctx: ClientContext<TcpOptions>,
  reader: { onChunk: (chunk: Buffer) => void },
): Promise<Socket> {
  const { socket } = await connectSocket(ctx.url, ctx.timeoutMs, `connection to ${ctx.url.host}`, {
    noDelay: ctx.options.noDelay,
    localAddress: ctx.localAddress,
    onread: {
      buffer: Buffer.allocUnsafe(readBufferBytes),
      // A copy: FrameReader hands out subarrays and keeps partial frames, the buffer is reused.
      callback: (bytes: number, buf: Uint8Array) => {
        reader.onChunk(Buffer.from(buf.subarray(0, bytes)));
        return true;
      },
    },
  });
  return socket;
}

export async function connect(ctx: ClientContext<TcpOptions>): Promise<PatternClient> {
  const early: Buffer[] = [];
  const input = { onChunk: (chunk: Buffer): void => void early.push(chunk) };
  const socket = await open(ctx, input);
  const encoder = new SeqTemplateEncoder(encodeFrame, headerBytes);
  const client = new InOrderClient<Buffer>(
    ctx,
    {
      encode: (msg) => encoder.encode(msg),
      write: (frame) => void socket.write(frame),
      // Rare path past the equal bytes: say precisely what differs.
      check: (op, frame) =>
        frame.equals(op.request)
          ? undefined
          : jsonEchoProblem(frame.toString('utf8', headerBytes), op.msg, op.verify),
      bytes: (frame) => frame.length - headerBytes,
      destroy: () => socket.destroy(),
    },
    new Promise<void>((resolve) => socket.once('close', () => resolve())),
  );
  const reader = new FrameReader((frame) => client.answer(frame));
  input.onChunk = (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch (err) {
      client.fail(new OpError('protocol', (err as Error).message));
    }
  };
  for (const chunk of early.splice(0)) input.onChunk(chunk);
  socket.on('error', (err) => client.fail(toOpError(err)));
  socket.on('close', () => client.fail(new OpError('connection', `connection to ${ctx.url.host} closed`)));
  return client;
}
