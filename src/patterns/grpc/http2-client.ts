import http2, {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import net from 'node:net';
import type { EchoRecord } from '../../message.js';
import { openHttp2Session } from '../../toolkit/http2-session.js';
import { PendingQueue, type PendingOp } from '../../toolkit/pending.js';
import {
  maxResponseBytes,
  OpError,
  oversizeError,
  toOpError,
  type ClientContext,
  type PatternClient,
} from '../../toolkit/contract.js';
import type { GrpcOptions } from './index.js';
import { echoCodec, grpcEchoProblem, unaryPath, varintBytes } from './proto.js';

const { NGHTTP2_CANCEL } = http2.constants;

/** Where a stream's operation lives, so that its listeners can be shared functions, not closures. */
const kOp = Symbol('grpc-op');

/** One unary call: a PendingOp (deadline sweep) tied to its stream. */
class UnaryOp implements PendingOp {
  settled = false;
  status: string | undefined;
  message = '';
  chunks: Buffer[] = [];
  /** Bytes received in `chunks`. */
  length = 0;
  constructor(
    readonly deadline: number,
    readonly client: LeanClient,
    readonly msg: EchoRecord,
    readonly requestBytes: number,
    readonly verify: boolean,
    readonly stream: ClientHttp2Stream,
    private readonly resolveFn: () => void,
    private readonly rejectFn: (err: OpError) => void,
  ) {}

  resolve(): void {
    this.settled = true;
    this.client.settled();
    this.resolveFn();
  }

  reject(err: OpError): void {
    this.settled = true;
    this.client.settled();
    // A timed-out or failed call must not keep its stream.
    if (!this.stream.closed) this.stream.close(NGHTTP2_CANCEL);
    this.rejectFn(err);
  }
}

type OpStream = ClientHttp2Stream & { [kOp]?: UnaryOp };

function onResponse(this: OpStream, h: IncomingHttpHeaders): void {
  const op = this[kOp];
  // A trailers-only response carries grpc-status in the headers.
  if (op && h['grpc-status'] !== undefined) op.status = String(h['grpc-status']);
}

function onTrailers(this: OpStream, t: IncomingHttpHeaders): void {
  const op = this[kOp];
  if (!op) return;
  op.status = String(t['grpc-status']);
  op.message = String(t['grpc-message'] ?? '');
}

/** Collects the response; a message over maxResponseBytes (announced or received) fails as oversize. */
function onData(this: OpStream, chunk: Buffer): void {
  const op = this[kOp];
  if (!op || op.settled) return;
  const before = op.length;
  op.length += chunk.length;
  if (op.length - 5 > maxResponseBytes) return op.reject(oversizeError(op.length - 5, false));
  op.chunks.push(chunk);
  if (before < 5 && op.length >= 5) {
    const announced = (before === 0 ? chunk : Buffer.concat(op.chunks)).readUInt32BE(1);
    if (announced > maxResponseBytes) op.reject(oversizeError(announced, true));
  }
}

function onError(this: OpStream, err: Error): void {
  const op = this[kOp];
  if (!op || op.settled) return;
  op.reject(op.client.closing ? new OpError('connection', 'client closed') : toOpError(err));
}

function onClose(this: OpStream): void {
  const op = this[kOp];
  this[kOp] = undefined;
  op?.client.forget(this);
  if (!op || op.settled) return;
  if (op.status !== '0') {
    return op.reject(
      op.status === undefined
        ? new OpError('connection', 'stream closed without grpc-status')
        : new OpError(op.status === '4' ? 'timeout' : 'protocol', `grpc-status ${op.status}: ${op.message}`),
    );
  }
  const body = op.chunks.length === 1 ? (op.chunks[0] as Buffer) : Buffer.concat(op.chunks);
  if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5) {
    return op.reject(new OpError('protocol', 'response is not one length-prefixed gRPC message'));
  }
  const problem = op.client.check(body, op);
  if (problem) return op.reject(problem);
  op.client.payload.add(op.requestBytes, body.length - 5);
  op.resolve();
}

/**
 * gRPC messages of one base record: the record without its seq (field 1, encoded first) is
 * encoded once; a message is its 5-byte prefix, the seq field, and those bytes.
 */
class MessageEncoder {
  private base: EchoRecord | undefined;
  private rest: Buffer = Buffer.alloc(0);
  constructor(private readonly codec: ReturnType<typeof echoCodec>) {}

  encode(msg: EchoRecord): Buffer {
    const base = this.base;
    if (base === undefined || msg.items !== base.items || msg.text !== base.text || msg.name !== base.name) {
      this.base = msg;
      this.rest = this.codec.encode({ name: msg.name, items: msg.items, text: msg.text });
    }
    const seq = msg.seq;
    const seqBytes = seq === 0 ? 0 : 1 + varintBytes(seq);
    const length = seqBytes + this.rest.length;
    const frame = Buffer.allocUnsafe(5 + length);
    frame[0] = 0;
    frame.writeUInt32BE(length, 1);
    let at = 5;
    if (seq !== 0) {
      frame[at++] = 0x08;
      let v = seq;
      while (v >= 0x80) {
        frame[at++] = (v & 0x7f) | 0x80;
        v = Math.floor(v / 128);
      }
      frame[at++] = v;
    }
    this.rest.copy(frame, at);
    return frame;
  }
}

/**
 * A lean gRPC unary client on node:http2 (option `client: http2`): the same protocol on the wire
 * as @grpc/grpc-js — HTTP/2 POST to the method path, `application/grpc`, 5-byte length-prefixed
 * protobuf, `grpc-status` in the trailers — without grpc-js's channel, interceptor and call
 * machinery. Next to the default client it shows how much of a gRPC row is the protocol and how
 * much the library. Per call: the message is the pre-encoded record with its seq written in, the
 * headers object is shared, listeners are shared functions (the op hangs on the stream), deadlines
 * are one PendingQueue sweep per connection; the echo is checked by length and seq, and decoded
 * and compared field by field with verify (or when it is not shaped like the request).
 */
class LeanClient implements PatternClient {
  closing = false;
  private readonly codec = echoCodec();
  private readonly encoder = new MessageEncoder(this.codec);
  private readonly pending: PendingQueue<UnaryOp>;
  private readonly streams = new Set<OpStream>();
  private readonly headers: OutgoingHttpHeaders;
  readonly payload: ClientContext['payload'];

  constructor(
    private readonly session: ClientHttp2Session,
    private readonly ctx: ClientContext<GrpcOptions>,
  ) {
    this.pending = new PendingQueue<UnaryOp>(ctx.timeoutMs);
    this.payload = ctx.payload;
    this.headers = {
      ':method': 'POST',
      ':path': unaryPath,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': `${ctx.timeoutMs}m`,
    };
  }

  forget(stream: OpStream): void {
    this.streams.delete(stream);
  }

  settled(): void {
    this.pending.dropSettled();
  }

  check(body: Buffer, op: UnaryOp): OpError | undefined {
    return grpcEchoProblem(body.subarray(5), op.msg, op.requestBytes, op.verify);
  }

  send(msg: EchoRecord, verify: boolean): Promise<void> {
    const session = this.session;
    if (this.closing || session.closed || session.destroyed) {
      return Promise.reject(new OpError('connection', 'session closed'));
    }
    return new Promise<void>((resolve, reject) => {
      const frame = this.encoder.encode(msg);
      const stream: OpStream = session.request(this.headers);
      const op = new UnaryOp(
        performance.now() + this.ctx.timeoutMs,
        this,
        msg,
        frame.length - 5,
        verify,
        stream,
        resolve,
        reject,
      );
      stream[kOp] = op;
      this.pending.push(op);
      this.streams.add(stream);
      stream.on('response', onResponse);
      stream.on('trailers', onTrailers);
      stream.on('data', onData);
      stream.on('error', onError);
      stream.on('close', onClose);
      stream.end(frame);
    });
  }

  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    this.pending.failAll(new OpError('connection', 'client closed'));
    for (const s of this.streams) if (!s.closed) s.close(NGHTTP2_CANCEL);
    const session = this.session;
    if (session.closed || session.destroyed) {
      session.destroy();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        session.destroy();
        resolve();
      }, 500);
      session.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export async function connectGrpcHttp2(ctx: ClientContext<GrpcOptions>): Promise<PatternClient> {
  return new LeanClient(await openSession(ctx), ctx);
}

async function openSession(ctx: ClientContext<GrpcOptions>): Promise<ClientHttp2Session> {
  const createConnection = () =>
    net.connect({
      host: ctx.url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(ctx.url.port),
      noDelay: true,
    });
  const session = await openHttp2Session(
    `http://${ctx.url.host}`,
    { createConnection },
    ctx,
    (err) => new OpError('connection', `cannot connect to ${ctx.url.host}: ${err.message}`, { cause: err }),
  );
  session.on('error', () => undefined); // stream errors carry the cause; keep the session's quiet
  return session;
}
