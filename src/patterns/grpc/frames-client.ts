import { connect as netConnect, type Socket } from 'node:net';
import type { EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../../toolkit/pending.js';
import {
  maxResponseBytes,
  OpError,
  oversizeError,
  oversizeMessageError,
  toOpError,
  type ClientContext,
  type PatternClient,
} from '../../toolkit/contract.js';
import { encodeHeaderBlock, HpackDecoder, HpackError, type HeaderSink } from './hpack.js';
import { notHttp2Answer } from '../../toolkit/not-http2.js';
import type { GrpcOptions } from './index.js';
import { echoCodec, grpcEchoProblem, unaryPath, varintBytes } from './proto.js';

/**
 * The frames gRPC client (option `client: frames`): gRPC unary calls over HTTP/2 frames that it
 * writes and parses itself on one node:net socket, as h2load does — no nghttp2 session, no stream
 * objects. Per connection: the preface and SETTINGS, then per call one HEADERS frame (a constant
 * HPACK block: static-table indexes and literals without indexing) and one DATA frame (the 5-byte
 * gRPC prefix and the protobuf echo record, pre-encoded per base record and seq varint length;
 * a call patches the two stream ids and the seq into a recycled buffer: one write). Responses are
 * parsed frame by frame from net's `onread` buffer; their header blocks pass through an HPACK
 * decoder (dynamic table, Huffman) in order; grpc-status and grpc-message from the trailers.
 * Flow control both ways: the server's initial window, max frame size and WINDOW_UPDATEs bound
 * what is sent (a call that does not fit waits, in order); received DATA is given back with
 * WINDOW_UPDATE. PING is answered, SETTINGS acknowledged, RST_STREAM fails its call, GOAWAY fails
 * the calls past its last stream id, and new ones; the server's MAX_CONCURRENT_STREAMS is kept
 * (calls over it wait). The echo is checked by length and seq on every call, decoded and compared
 * field by field with verify (or when it is not shaped like the request).
 */

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PUSH_PROMISE = 0x5;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const CONTINUATION = 0x9;

const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const errorCodes = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];
const NO_ERROR = 0;
const PROTOCOL_ERROR = 1;
const FLOW_CONTROL_ERROR = 3;
const FRAME_SIZE_ERROR = 6;
const REFUSED_STREAM = 7;
const CANCEL = 8;
const COMPRESSION_ERROR = 9;
const errorName = (code: number): string => errorCodes[code] ?? `error 0x${code.toString(16)}`;

/** What this side advertises: stream and connection receive windows, frame size (default). */
const receiveWindow = 16 * 1024 * 1024;
const maxFrameIn = 16_384;
const maxStreamId = 0x7fffffff;
const readBufferBytes = 64 * 1024;

/** The request bytes of one base record and one seq varint length: HEADERS + DATA frame. */
interface Template {
  readonly wire: Buffer;
  /** Offset of the DATA frame header in `wire`. */
  readonly dataAt: number;
  /** Bytes of the protobuf message (the gRPC message without its 5-byte prefix). */
  readonly messageBytes: number;
  /** Buffers of answered calls, ready to be patched again. */
  readonly free: Buffer[];
}

/** One unary call: a PendingOp (deadline sweep) and, once sent, a stream. */
class FrameOp implements PendingOp {
  settled = false;
  streamId = 0;
  /** The server's flow-control window of this stream, bytes. */
  sendWindow = 0;
  /** Bytes of the DATA payload written so far (all of it on the fast path). */
  dataSent = -1;
  /** DATA bytes received since the last stream WINDOW_UPDATE. */
  received = 0;
  httpStatus = -1;
  contentType = '';
  grpcStatus: string | undefined;
  grpcMessage = '';
  headersSeen = false;
  /** Bytes of the response message; -1 until it has arrived. */
  responseBytes = -1;
  problem: OpError | undefined;
  /** DATA payloads copied when the message did not arrive in one frame. */
  parts: Buffer[] | undefined;
  /** Bytes in `parts`. */
  partBytes = 0;

  constructor(
    readonly deadline: number,
    readonly client: FramesClient,
    readonly msg: EchoRecord,
    readonly template: Template,
    readonly wire: Buffer,
    readonly verify: boolean,
    readonly resolveFn: () => void,
    readonly rejectFn: (err: OpError) => void,
  ) {}

  /** Timed out or failed from outside (PendingQueue): settled is already set. */
  reject(err: OpError): void {
    this.client.abandon(this);
    this.rejectFn(err);
  }
}

function frameHeader(buf: Buffer, at: number, length: number, type: number, flags: number, id: number): void {
  buf[at] = length >>> 16;
  buf[at + 1] = (length >>> 8) & 0xff;
  buf[at + 2] = length & 0xff;
  buf[at + 3] = type;
  buf[at + 4] = flags;
  buf.writeUInt32BE(id, at + 5);
}

function frame(type: number, flags: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const buf = Buffer.allocUnsafe(9 + payload.length);
  frameHeader(buf, 0, payload.length, type, flags, id);
  payload.copy(buf, 9);
  return buf;
}

function u32s(...values: number[]): Buffer {
  const buf = Buffer.allocUnsafe(4 * values.length);
  values.forEach((v, i) => buf.writeUInt32BE(v, 4 * i));
  return buf;
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec). */
function grpcMessageText(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

class FramesClient implements PatternClient, HeaderSink {
  closing = false;
  private dead = false;
  /** Why new calls fail once the server sent GOAWAY or the connection ended. */
  private refusal: string | undefined;
  private readonly codec = echoCodec();
  private readonly pending: PendingQueue<FrameOp>;
  private readonly streams = new Map<number, FrameOp>();
  /** Calls waiting for a stream slot or flow-control window, in send order. */
  private blocked: FrameOp[] = [];
  private readonly headerBlock: Buffer;
  private readonly decoder = new HpackDecoder();
  private base: EchoRecord | undefined;
  private rest: Buffer = Buffer.alloc(0);
  private templates: (Template | undefined)[] = [];
  private nextStreamId = 1;
  private peerMaxStreams = Infinity;
  private peerInitialWindow = 65_535;
  private peerMaxFrame = 16_384;
  private connSendWindow = 65_535;
  private connReceived = 0;
  private gotSettings = false;
  /** A header block split over CONTINUATION frames: its parts, stream and HEADERS flags. */
  private continuation: { parts: Buffer[]; streamId: number; flags: number; bytes: number } | undefined;
  private carry: Buffer | undefined;
  /** The call whose header block is being decoded (undefined: a stream no longer followed). */
  private current: FrameOp | undefined;
  private corked = false;
  private closed: Promise<void> | undefined;
  private onReady: ((err?: OpError) => void) | undefined;
  readonly socket: Socket;

  constructor(private readonly ctx: ClientContext<GrpcOptions>) {
    this.pending = new PendingQueue<FrameOp>(ctx.timeoutMs);
    this.headerBlock = encodeHeaderBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', unaryPath],
      [':authority', ctx.url.host],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['grpc-timeout', `${ctx.timeoutMs}m`],
    ]);
    const buffer = Buffer.allocUnsafe(readBufferBytes);
    this.socket = netConnect({
      host: ctx.url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(ctx.url.port),
      noDelay: true,
      onread: {
        buffer,
        callback: (bytes: number, buf: Uint8Array): boolean => {
          this.onBytes(Buffer.from(buf.buffer, buf.byteOffset, bytes));
          return true;
        },
      },
    });
    this.socket.on('connect', () => {
      this.socket.write(
        Buffer.concat([
          preface,
          // ENABLE_PUSH 0, INITIAL_WINDOW_SIZE, then the connection window raised to match.
          frame(SETTINGS, 0, 0, Buffer.from([0, 2, 0, 0, 0, 0, 0, 4, ...u32s(receiveWindow)])),
          frame(WINDOW_UPDATE, 0, 0, u32s(receiveWindow - 65_535)),
        ]),
      );
    });
    this.socket.on('error', (err) => this.drop(toOpError(err)));
    this.socket.on('close', () =>
      this.drop(new OpError('connection', `connection to ${ctx.url.host} closed`)),
    );
  }

  /** Resolves once the server's SETTINGS have arrived (it speaks HTTP/2). */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onReady = undefined;
        this.socket.destroy();
        reject(
          new OpError(
            'timeout',
            `no HTTP/2 connection to ${this.ctx.url.host} within ${this.ctx.timeoutMs} ms`,
          ),
        );
      }, this.ctx.timeoutMs);
      this.onReady = (err) => {
        clearTimeout(timer);
        this.onReady = undefined;
        if (err) reject(err);
        else resolve();
      };
    });
  }

  send(msg: EchoRecord, verify: boolean): Promise<void> {
    if (this.closing || this.dead || this.refusal !== undefined) {
      return Promise.reject(new OpError('connection', this.refusal ?? 'client closed'));
    }
    return new Promise<void>((resolve, reject) => {
      const template = this.template(msg);
      let wire = template.free.pop();
      if (wire === undefined) {
        wire = Buffer.allocUnsafeSlow(template.wire.length);
        template.wire.copy(wire);
      }
      const seq = msg.seq;
      if (seq !== 0) {
        let at = template.dataAt + 9 + 5 + 1;
        let v = seq;
        while (v >= 0x80) {
          wire[at++] = (v & 0x7f) | 0x80;
          v = Math.floor(v / 128);
        }
        wire[at] = v;
      }
      const op = new FrameOp(
        performance.now() + this.ctx.timeoutMs,
        this,
        msg,
        template,
        wire,
        verify,
        resolve,
        reject,
      );
      this.pending.push(op);
      if (this.blocked.length > 0 || !this.start(op)) this.blocked.push(op);
    });
  }

  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    this.pending.failAll(new OpError('connection', 'client closed'));
    const s = this.socket;
    this.closed =
      s.destroyed || this.dead
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            s.once('close', () => resolve());
            const timer = setTimeout(() => s.destroy(), 500);
            timer.unref();
            s.end(frame(GOAWAY, 0, 0, u32s(0, NO_ERROR)));
          });
    this.dead = true;
    return this.closed;
  }

  /** The pre-encoded request of msg's base record and seq varint length. */
  private template(msg: EchoRecord): Template {
    const base = this.base;
    if (base === undefined || msg.items !== base.items || msg.text !== base.text || msg.name !== base.name) {
      this.base = msg;
      this.rest = this.codec.encode({ name: msg.name, items: msg.items, text: msg.text });
      this.templates = [];
    }
    const seqBytes = msg.seq === 0 ? 0 : 1 + varintBytes(msg.seq);
    let t = this.templates[seqBytes];
    if (t === undefined) {
      const hb = this.headerBlock;
      const messageBytes = seqBytes + this.rest.length;
      const dataAt = 9 + hb.length;
      const wire = Buffer.alloc(dataAt + 9 + 5 + messageBytes);
      frameHeader(wire, 0, hb.length, HEADERS, END_HEADERS, 0);
      hb.copy(wire, 9);
      frameHeader(wire, dataAt, 5 + messageBytes, DATA, END_STREAM, 0);
      wire.writeUInt32BE(messageBytes, dataAt + 10);
      if (seqBytes > 0) wire[dataAt + 14] = 0x08;
      this.rest.copy(wire, dataAt + 14 + seqBytes);
      t = { wire, dataAt, messageBytes, free: [] };
      this.templates[seqBytes] = t;
    }
    return t;
  }

  private write(bytes: Buffer): void {
    if (this.dead) return;
    if (this.ctx.inFlight > 1 && !this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(bytes);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  /**
   * Opens op's stream and writes as much of its request as the server lets it: true when all of
   * it is written, false when it must wait for a stream slot or window.
   */
  private start(op: FrameOp): boolean {
    const wire = op.wire;
    const dataAt = op.template.dataAt;
    const dataBytes = 5 + op.template.messageBytes;
    if (op.streamId === 0) {
      if (this.streams.size >= this.peerMaxStreams) return false;
      if (this.nextStreamId > maxStreamId) {
        op.settled = true;
        this.pending.dropSettled();
        op.rejectFn(new OpError('connection', 'HTTP/2 stream ids of this connection used up'));
        return true;
      }
      op.streamId = this.nextStreamId;
      this.nextStreamId += 2;
      op.sendWindow = this.peerInitialWindow;
      this.streams.set(op.streamId, op);
      wire.writeUInt32BE(op.streamId, 5);
      wire.writeUInt32BE(op.streamId, dataAt + 5);
      if (dataBytes <= this.peerMaxFrame && dataBytes <= this.connSendWindow && dataBytes <= op.sendWindow) {
        this.connSendWindow -= dataBytes;
        op.sendWindow -= dataBytes;
        op.dataSent = dataBytes;
        this.write(wire);
        return true;
      }
      this.write(wire.subarray(0, dataAt));
      op.dataSent = 0;
    }
    // The slow path: DATA frames as large as the frame size and both windows allow.
    while (op.dataSent < dataBytes) {
      const n = Math.min(dataBytes - op.dataSent, this.peerMaxFrame, this.connSendWindow, op.sendWindow);
      if (n <= 0) return false;
      const from = dataAt + 9 + op.dataSent;
      const f = Buffer.allocUnsafe(9 + n);
      op.dataSent += n;
      frameHeader(f, 0, n, DATA, op.dataSent === dataBytes ? END_STREAM : 0, op.streamId);
      wire.copy(f, 9, from, from + n);
      this.connSendWindow -= n;
      op.sendWindow -= n;
      this.write(f);
    }
    return true;
  }

  /** Sends what waits, in order, as far as stream slots and windows allow. */
  private pump(): void {
    let i = 0;
    const blocked = this.blocked;
    while (i < blocked.length && !this.dead) {
      const op = blocked[i] as FrameOp;
      if (!op.settled && !this.start(op)) break;
      i++;
    }
    if (i > 0) this.blocked = blocked.slice(i);
  }

  /** A call settled from outside (timeout, client closed): its stream is cancelled. */
  abandon(op: FrameOp): void {
    // (Not pending.dropSettled() here: the queue's own sweep is what calls this.)
    if (op.streamId !== 0 && this.streams.get(op.streamId) === op) {
      this.streams.delete(op.streamId);
      if (!this.dead && !this.closing) {
        this.write(frame(RST_STREAM, 0, op.streamId, u32s(CANCEL)));
        this.pump();
      }
    }
  }

  private settle(op: FrameOp, err: OpError | undefined): void {
    op.settled = true;
    this.pending.dropSettled();
    if (err) return op.rejectFn(err);
    if (op.template.free.length < this.ctx.inFlight) op.template.free.push(op.wire);
    this.ctx.payload.add(op.template.messageBytes, op.responseBytes);
    op.resolveFn();
  }

  /** Ends the connection: every call still open fails with `err`. */
  private drop(err: OpError): void {
    this.onReady?.(err);
    if (this.dead && this.socket.destroyed) return;
    this.dead = true;
    this.refusal ??= err.message;
    this.streams.clear();
    this.blocked = [];
    this.pending.failAll(this.closing ? new OpError('connection', 'client closed') : err);
    this.socket.destroy();
  }

  /** A connection error of ours: GOAWAY with `code`, then drop. */
  private connectionError(code: number, message: string): void {
    if (!this.dead) this.socket.write(frame(GOAWAY, 0, 0, u32s(0, code)));
    this.drop(new OpError('protocol', `HTTP/2 ${errorName(code)}: ${message}`));
  }

  private onBytes(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry !== undefined) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    if (!this.gotSettings && buf.length >= 4 && (buf[3] !== SETTINGS || buf[4] !== 0)) {
      const problem = notHttp2Answer(this.ctx.url.host, buf) ?? `${this.ctx.url.host}: no SETTINGS first`;
      return this.drop(new OpError('protocol', problem));
    }
    const end = buf.length;
    let pos = 0;
    while (end - pos >= 9 && !this.dead) {
      const length =
        ((buf[pos] as number) << 16) | ((buf[pos + 1] as number) << 8) | (buf[pos + 2] as number);
      if (length > maxFrameIn) return this.connectionError(FRAME_SIZE_ERROR, `frame of ${length} bytes`);
      if (end - pos - 9 < length) break;
      const type = buf[pos + 3] as number;
      const flags = buf[pos + 4] as number;
      const id = buf.readUInt32BE(pos + 5) & maxStreamId;
      this.frame(type, flags, id, buf, pos + 9, pos + 9 + length);
      pos += 9 + length;
    }
    // A copy: the read buffer is reused for the next read.
    if (pos < end && !this.dead) this.carry = Buffer.from(buf.subarray(pos));
  }

  private frame(type: number, flags: number, id: number, buf: Buffer, from: number, to: number): void {
    if (this.continuation !== undefined && type !== CONTINUATION) {
      return this.connectionError(PROTOCOL_ERROR, 'header block not continued by CONTINUATION');
    }
    switch (type) {
      case DATA:
        return this.data(flags, id, buf, from, to);
      case HEADERS: {
        if (id === 0) return this.connectionError(PROTOCOL_ERROR, 'HEADERS on stream 0');
        let f = from;
        let t = to;
        if (flags & PADDED) {
          t -= buf[f++] as number;
        }
        if (flags & PRIORITY) f += 5;
        if (t < f) return this.connectionError(PROTOCOL_ERROR, 'HEADERS padding longer than the frame');
        if (flags & END_HEADERS) return this.headers(id, flags, buf.subarray(f, t));
        this.continuation = { parts: [Buffer.from(buf.subarray(f, t))], streamId: id, flags, bytes: t - f };
        return;
      }
      case CONTINUATION: {
        const c = this.continuation;
        if (c === undefined || c.streamId !== id) {
          return this.connectionError(PROTOCOL_ERROR, 'CONTINUATION without its HEADERS');
        }
        c.parts.push(Buffer.from(buf.subarray(from, to)));
        c.bytes += to - from;
        if (c.bytes > maxResponseBytes) return this.drop(oversizeMessageError('an HTTP/2 header block'));
        if (flags & END_HEADERS) {
          this.continuation = undefined;
          this.headers(id, c.flags, Buffer.concat(c.parts));
        }
        return;
      }
      case RST_STREAM: {
        const op = this.streams.get(id);
        if (op === undefined) return;
        this.streams.delete(id);
        const code = to - from >= 4 ? buf.readUInt32BE(from) : PROTOCOL_ERROR;
        if (!op.settled) {
          this.settle(
            op,
            new OpError(
              code === REFUSED_STREAM ? 'connection' : 'protocol',
              `the server reset the stream (RST_STREAM ${errorName(code)})`,
            ),
          );
        }
        return this.pump();
      }
      case SETTINGS:
        return this.settings(flags, buf, from, to);
      case PUSH_PROMISE:
        return this.connectionError(PROTOCOL_ERROR, 'PUSH_PROMISE although push is disabled');
      case PING:
        if (!(flags & ACK) && to - from === 8) this.write(frame(PING, ACK, 0, buf.subarray(from, to)));
        return;
      case GOAWAY:
        return this.goaway(buf, from, to);
      case WINDOW_UPDATE: {
        const increment = to - from === 4 ? buf.readUInt32BE(from) & maxStreamId : 0;
        if (increment === 0) return this.connectionError(PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
        if (id === 0) this.connSendWindow += increment;
        else {
          const op = this.streams.get(id);
          if (op !== undefined) op.sendWindow += increment;
        }
        if (this.connSendWindow > maxStreamId) {
          return this.connectionError(FLOW_CONTROL_ERROR, 'connection window over 2^31-1');
        }
        return this.pump();
      }
      default:
        return; // PRIORITY and unknown frame types are ignored
    }
  }

  private data(flags: number, id: number, buf: Buffer, from: number, to: number): void {
    if (id === 0) return this.connectionError(PROTOCOL_ERROR, 'DATA on stream 0');
    const length = to - from;
    this.connReceived += length;
    if (this.connReceived >= receiveWindow / 2) {
      this.write(frame(WINDOW_UPDATE, 0, 0, u32s(this.connReceived)));
      this.connReceived = 0;
    }
    let f = from;
    let t = to;
    if (flags & PADDED) t -= buf[f++] as number;
    if (t < f) return this.connectionError(PROTOCOL_ERROR, 'DATA padding longer than the frame');
    const op = this.streams.get(id);
    if (op === undefined) return;
    if (!(flags & END_STREAM)) {
      op.received += length;
      if (op.received >= receiveWindow / 2) {
        this.write(frame(WINDOW_UPDATE, 0, id, u32s(op.received)));
        op.received = 0;
      }
    }
    if (t > f) {
      if (
        op.parts === undefined &&
        op.responseBytes < 0 &&
        t - f >= 5 &&
        buf.readUInt32BE(f + 1) === t - f - 5
      ) {
        // The whole gRPC message in one frame: checked here, without a copy.
        op.responseBytes = t - f - 5;
        op.problem =
          buf[f] !== 0
            ? new OpError('protocol', 'compressed gRPC response (flag 1) although none was asked for')
            : grpcEchoProblem(buf.subarray(f + 5, t), op.msg, op.template.messageBytes, op.verify);
      } else {
        const before = op.partBytes;
        op.partBytes += t - f;
        if (op.partBytes - 5 > maxResponseBytes)
          return this.oversize(id, op, oversizeError(op.partBytes - 5, false));
        (op.parts ??= []).push(Buffer.from(buf.subarray(f, t)));
        if (before < 5 && op.partBytes >= 5) {
          const announced = Buffer.concat(op.parts).readUInt32BE(1);
          if (announced > maxResponseBytes) return this.oversize(id, op, oversizeError(announced, true));
        }
      }
    }
    if (flags & END_STREAM) this.end(id, op);
  }

  /** op's answer is over maxResponseBytes: the call fails as oversize, its stream is cancelled. */
  private oversize(id: number, op: FrameOp, err: OpError): void {
    this.streams.delete(id);
    op.parts = undefined;
    if (!this.dead) this.write(frame(RST_STREAM, 0, id, u32s(CANCEL)));
    this.settle(op, err);
    this.pump();
  }

  private headers(id: number, flags: number, block: Buffer): void {
    const op = this.streams.get(id);
    this.current = op;
    try {
      this.decoder.decode(block, this);
    } catch (err) {
      if (err instanceof HpackError) return this.connectionError(COMPRESSION_ERROR, err.message);
      throw err;
    } finally {
      this.current = undefined;
    }
    if (op === undefined) return;
    op.headersSeen = true;
    if (flags & END_STREAM) this.end(id, op);
  }

  /** HeaderSink: the fields a call's response headers and trailers are judged by. */
  header(name: string, value: string): void {
    const op = this.current;
    if (op === undefined) return;
    if (name === 'grpc-status') op.grpcStatus = value;
    else if (name === 'grpc-message') op.grpcMessage = value;
    else if (name === ':status' && !op.headersSeen) op.httpStatus = Number(value);
    else if (name === 'content-type' && !op.headersSeen) op.contentType = value;
  }

  /** The server ended op's stream: judge the call. */
  private end(id: number, op: FrameOp): void {
    this.streams.delete(id);
    if (op.dataSent < 5 + op.template.messageBytes) {
      // Answered before the whole request went out: stop sending it.
      this.write(frame(RST_STREAM, 0, id, u32s(NO_ERROR)));
    }
    if (!op.settled) this.settle(op, this.judge(op));
    if (this.blocked.length > 0) this.pump();
    if (this.refusal !== undefined && this.streams.size === 0)
      this.drop(new OpError('connection', this.refusal));
  }

  private judge(op: FrameOp): OpError | undefined {
    if (op.httpStatus !== 200) {
      return new OpError(
        'protocol',
        op.httpStatus < 0
          ? 'stream ended without response headers'
          : `HTTP status ${op.httpStatus} on POST ${unaryPath} (not a gRPC server?)`,
      );
    }
    const status = op.grpcStatus;
    if (status === undefined) return new OpError('connection', 'stream closed without grpc-status');
    if (status !== '0') {
      return new OpError(
        status === '4' ? 'timeout' : 'protocol',
        `grpc-status ${status}: ${grpcMessageText(op.grpcMessage)}`,
      );
    }
    if (!op.contentType.startsWith('application/grpc')) {
      return new OpError('protocol', `content-type ${op.contentType || '(none)'} is not application/grpc`);
    }
    if (op.parts !== undefined) {
      const body = op.parts.length === 1 ? (op.parts[0] as Buffer) : Buffer.concat(op.parts);
      op.parts = undefined;
      if (op.responseBytes >= 0 || body.length < 5 || body.readUInt32BE(1) !== body.length - 5) {
        return new OpError('protocol', 'response is not one length-prefixed gRPC message');
      }
      if (body[0] !== 0)
        return new OpError('protocol', 'compressed gRPC response (flag 1) although none was asked for');
      op.responseBytes = body.length - 5;
      return grpcEchoProblem(body.subarray(5), op.msg, op.template.messageBytes, op.verify);
    }
    if (op.responseBytes < 0)
      return new OpError('protocol', 'response is not one length-prefixed gRPC message');
    return op.problem;
  }

  private settings(flags: number, buf: Buffer, from: number, to: number): void {
    if (flags & ACK) return;
    if ((to - from) % 6 !== 0)
      return this.connectionError(FRAME_SIZE_ERROR, 'SETTINGS length not a multiple of 6');
    for (let at = from; at < to; at += 6) {
      const key = buf.readUInt16BE(at);
      const value = buf.readUInt32BE(at + 2);
      if (key === 3) this.peerMaxStreams = value;
      else if (key === 4) {
        if (value > maxStreamId)
          return this.connectionError(FLOW_CONTROL_ERROR, 'initial window over 2^31-1');
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const op of this.streams.values()) op.sendWindow += delta;
      } else if (key === 5) {
        if (value < 16_384 || value > 16_777_215) {
          return this.connectionError(PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value}`);
        }
        this.peerMaxFrame = value;
      }
    }
    this.write(frame(SETTINGS, ACK, 0));
    if (!this.gotSettings) {
      this.gotSettings = true;
      this.onReady?.();
    }
    this.pump();
  }

  private goaway(buf: Buffer, from: number, to: number): void {
    if (to - from < 8) return this.connectionError(FRAME_SIZE_ERROR, 'GOAWAY shorter than 8 bytes');
    const lastId = buf.readUInt32BE(from) & maxStreamId;
    const code = buf.readUInt32BE(from + 4);
    const debug = buf.toString('latin1', from + 8, to);
    const why = `the server sent GOAWAY (${errorName(code)}${debug ? `: ${debug}` : ''})`;
    this.refusal = why;
    const refused = new OpError('connection', `${why}; this call was not processed`);
    for (const [id, op] of this.streams) {
      if (id > lastId) {
        this.streams.delete(id);
        if (!op.settled) this.settle(op, refused);
      }
    }
    for (const op of this.blocked) if (!op.settled && op.streamId === 0) this.settle(op, refused);
    this.blocked = this.blocked.filter((op) => !op.settled);
    if (code !== NO_ERROR || this.streams.size === 0) this.drop(new OpError('connection', why));
  }
}

export async function connectGrpcFrames(ctx: ClientContext<GrpcOptions>): Promise<PatternClient> {
  const client = new FramesClient(ctx);
  await client.ready();
  return client;
}
