import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import type { Socket } from 'node:net';
import { connectSocket } from '../../toolkit/net-util.js';
import { InOrderClient, jsonEchoProblem } from '../../toolkit/pending.js';
import { SeqTemplateEncoder } from '../../toolkit/seq-template.js';
import {
  maxResponseBytes,
  OpError,
  oversizeError,
  toOpError,
  type ClientContext,
  type PatternClient,
} from '../../toolkit/contract.js';
import { reconnecting, type Connection } from './reconnect.js';
import type { WebSocketOptions } from './index.js';

/**
 * The lean WebSocket echo client (option `client: net`, echo mode): RFC 6455 on one node:net
 * socket, without the `ws` library. The record's JSON is encoded once per base record; per message
 * the seq digits are written in, the frame gets a fresh masking key (from a random pool, as ws does)
 * and is masked in one pass. Answers are unmasked text frames matched in order: equal bytes pass,
 * anything else is parsed (seq, and every field with verify); with verify the echo is always
 * parsed and compared field by field.
 */

const guid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const poolBytes = 8192;

class Masks {
  private pool = Buffer.allocUnsafe(poolBytes);
  private at = poolBytes;
  /** Offset of 4 fresh random bytes in `buffer`. */
  next(): { buffer: Buffer; offset: number } {
    if (this.at + 4 > poolBytes) {
      this.pool = randomFillSync(Buffer.allocUnsafe(poolBytes));
      this.at = 0;
    }
    const offset = this.at;
    this.at += 4;
    return { buffer: this.pool, offset };
  }
}

/** Builds one masked client text frame carrying `payload`. */
function maskedFrame(payload: Buffer, masks: Masks): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + 4 + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(n, 6);
  }
  const { buffer, offset } = masks.next();
  buffer.copy(frame, head, offset, offset + 4);
  const m0 = buffer[offset] as number;
  const m1 = buffer[offset + 1] as number;
  const m2 = buffer[offset + 2] as number;
  const m3 = buffer[offset + 3] as number;
  const at = head + 4;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    frame[at + i] = (payload[i] as number) ^ m0;
    frame[at + i + 1] = (payload[i + 1] as number) ^ m1;
    frame[at + i + 2] = (payload[i + 2] as number) ^ m2;
    frame[at + i + 3] = (payload[i + 3] as number) ^ m3;
  }
  for (; i < n; i++) frame[at + i] = (payload[i] as number) ^ (buffer[offset + (i & 3)] as number);
  return frame;
}

/** Splits the server's byte stream into frames: calls `onText` per text message, `onControl` else. */
class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  /** Bytes of the message being reassembled from `fragments`. */
  private fragmentBytes = 0;

  constructor(
    private readonly onText: (text: Buffer) => void,
    private readonly onControl: (opcode: number, payload: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    for (;;) {
      if (buf.length - pos < 2) break;
      const b0 = buf[pos] as number;
      const b1 = buf[pos + 1] as number;
      if (b1 & 0x80) throw new Error('the server sent a masked frame');
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - pos < 4) break;
        len = buf.readUInt16BE(pos + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - pos < 10) break;
        len = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
        head = 10;
      }
      // A message (one frame, or its fragments together) over the bound fails the socket as oversize.
      if (this.fragmentBytes + len > maxResponseBytes) throw oversizeError(this.fragmentBytes + len, true);
      if (buf.length - pos < head + len) break;
      const payload = buf.subarray(pos + head, pos + head + len);
      pos += head + len;
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (opcode >= 8) this.onControl(opcode, payload);
      else if (opcode === 1 && fin && this.fragments.length === 0) this.onText(payload);
      else {
        this.fragments.push(payload);
        this.fragmentBytes += len;
        if (fin) {
          this.fragmentBytes = 0;
          this.onText(Buffer.concat(this.fragments.splice(0)));
        }
      }
    }
    // Keep the rest (a copy, so the chunk it came from is not pinned).
    this.buf = pos === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    buf = this.buf;
  }
}

/** Opens the socket and does the opening handshake; resolves with bytes already past it. */
async function handshake(ctx: ClientContext<WebSocketOptions>): Promise<{ socket: Socket; rest: Buffer }> {
  const key = randomBytes(16).toString('base64');
  const { socket, head, rest } = await connectSocket(
    ctx.url,
    ctx.timeoutMs,
    `WebSocket handshake with ${ctx.url.host}`,
    {
      noDelay: true,
      defaultPort: 80,
      opening: {
        request:
          `GET /echo HTTP/1.1\r\nHost: ${ctx.url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        end: '\r\n\r\n',
      },
    },
  );
  const lines = head.toString('latin1').split('\r\n');
  const accept = createHash('sha1')
    .update(key + guid)
    .digest('base64');
  const got = lines.find((l) => /^sec-websocket-accept:/i.test(l))?.replace(/^[^:]*:\s*/, '');
  const problem = !/^HTTP\/1\.1 101\b/.test(lines[0] ?? '')
    ? `WebSocket handshake refused: ${lines[0] ?? ''}`
    : got?.trim() !== accept
      ? 'bad Sec-WebSocket-Accept'
      : undefined;
  if (problem === undefined) return { socket, rest };
  socket.destroy();
  throw new OpError('protocol', problem);
}

export function connectWebSocketNet(ctx: ClientContext<WebSocketOptions>): Promise<PatternClient> {
  return reconnecting(() => openWebSocketNet(ctx));
}

async function openWebSocketNet(ctx: ClientContext<WebSocketOptions>): Promise<Connection> {
  const { socket, rest } = await handshake(ctx);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const encoder = new SeqTemplateEncoder((json) => Buffer.from(json));
  const masks = new Masks();
  const client = new InOrderClient<Buffer>(
    ctx,
    {
      encode: (msg) => encoder.encode(msg),
      write: (text) => void socket.write(maskedFrame(text, masks)),
      check: (op, answer) =>
        !op.verify && answer.equals(op.request)
          ? undefined
          : jsonEchoProblem(answer.toString(), op.msg, op.verify),
      bytes: (text) => text.length,
      destroy: () => socket.destroy(),
    },
    closed,
  );
  const parser = new FrameParser(
    (text) => client.answer(text),
    (opcode, payload) => {
      if (opcode === 0x9) socket.write(maskedControl(0x8a, payload, masks));
      else if (opcode === 0x8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        client.fail(new OpError('connection', `socket to ${ctx.url.host} closed (${code})`));
      }
    },
  );
  const onChunk = (chunk: Buffer): void => {
    try {
      parser.push(chunk);
    } catch (err) {
      client.fail(err instanceof OpError ? err : new OpError('protocol', (err as Error).message));
    }
  };
  socket.on('data', onChunk);
  socket.on('error', (err) => client.fail(toOpError(err)));
  socket.on('close', () => client.fail(new OpError('connection', `socket to ${ctx.url.host} closed`)));
  if (rest.length > 0) onChunk(rest);
  return { client, closed };
}

/** A masked control frame (pong) with `payload` (≤ 125 bytes). */
function maskedControl(first: number, payload: Buffer, masks: Masks): Buffer {
  const frame = maskedFrame(payload.subarray(0, 125), masks);
  frame[0] = first;
  return frame;
}
