import { CommbenchError } from '../../errors.js';
import { connect as netConnect, type Socket } from 'node:net';
import type { EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../../toolkit/pending.js';
import {
  maxResponseBytes,
  OpError,
  oversizeError,
  toOpError,
  type ClientContext,
  type PatternClient,
} from '../../toolkit/contract.js';
import type { RestOptions } from './index.js';
import { jsonEchoProblem } from './json-echo.js';

/**
 * The lean rest client (option `client: net`): HTTP/1.1 keep-alive on one node:net socket, as wrk
 * and autocannon do it. The request (head + JSON body) is encoded once per connection and seq-digit
 * count; an operation copies nothing but the seq digits into a recycled buffer (a request's buffer
 * is free again once its response has arrived: the server has read it). Responses are parsed by a
 * small incremental HTTP/1.1 parser (status line, Content-Length or chunked, Connection: close) and
 * matched in order. Every response is checked by length and seq at their fixed places in the
 * canonical echo; one that is not byte-shaped like the request is parsed as JSON (seq, then every
 * field with verify); with verify the echo is always parsed and compared field by field.
 */

const seqPrefix = '{"seq":';
const CR = 13;
const LF = 10;

/** One request of a connection: a PendingOp in send order. */
class RestOp implements PendingOp {
  settled = false;
  constructor(
    readonly deadline: number,
    readonly msg: EchoRecord,
    /** The request bytes (head + body), recycled once answered; undefined on the slow path. */
    readonly buffer: Buffer | undefined,
    readonly bodyBytes: number,
    readonly verify: boolean,
    readonly resolve: () => void,
    readonly reject: (err: OpError) => void,
  ) {}
}

/** The pre-encoded request for one base record and one count of seq digits. */
interface Template {
  readonly bytes: Buffer;
  /** Offset of the first seq digit in `bytes`. */
  readonly digitsAt: number;
  readonly digits: number;
  readonly bodyBytes: number;
}

function digitCount(seq: number): number {
  let d = 1;
  for (let s = seq; s >= 10; s = Math.floor(s / 10)) d++;
  return d;
}

/** Writes the decimal digits of `value` into buf[at, at + digits). */
function putDigits(buf: Buffer, at: number, digits: number, value: number): void {
  let v = value;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = Math.floor(v / 10);
    buf[i] = 48 + v - q * 10;
    v = q;
  }
}

/** Parses decimal digits buf[from, to); -1 when any byte is not a digit or the range is empty. */
function readUint(buf: Buffer, from: number, to: number): number {
  if (to <= from) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = (buf[i] as number) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Case-insensitive compare of header name buf[from, to) with lower-case `name` (letters and '-'). */
function nameIs(buf: Buffer, from: number, to: number, name: string): boolean {
  if (to - from !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    if (((buf[from + i] as number) | 0x20) !== name.charCodeAt(i)) return false;
  }
  return true;
}

/** Header value buf[from, to) without surrounding spaces and tabs, as [from, to). */
function trim(buf: Buffer, from: number, to: number): [number, number] {
  while (from < to && (buf[from] === 32 || buf[from] === 9)) from++;
  while (to > from && (buf[to - 1] === 32 || buf[to - 1] === 9)) to--;
  return [from, to];
}

/** What the parser hands over per complete response. */
interface ResponseSink {
  response(status: number, body: Buffer, close: boolean): void;
  /** A broken response (the connection cannot go on); `oversize` set when it was only too large. */
  error(message: string, oversize?: OpError): void;
}

const maxHeadBytes = 64 * 1024;
/** Per socket: every read lands here and is parsed before the next (parts that span reads are copied). */
const readBufferBytes = 64 * 1024;

/**
 * Incremental HTTP/1.1 response parser for one connection: feed it socket chunks; it calls
 * `sink.response` once per complete response, in order. Copies only what spans chunks.
 */
export class ResponseParser {
  /** Bytes of an incomplete head, or of a chunked-size line, carried over to the next chunk. */
  private carry: Buffer | undefined;
  private state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' = 'head';
  private status = 0;
  private close = false;
  /** Body bytes still expected (Content-Length or the current chunk). */
  private remaining = 0;
  private parts: Buffer[] = [];
  private partBytes = 0;
  failed = false;
  /** The Retry-After of the last 429 or 503 response (read only for those statuses). */
  retryAfter: string | undefined;

  constructor(private readonly sink: ResponseSink) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    let buf = chunk;
    if (this.carry !== undefined) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let pos = 0;
    while (pos < buf.length && !this.failed) {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf('\r\n\r\n', pos, 'latin1');
          if (end < 0) return this.keep(buf, pos);
          this.head(buf, pos, end);
          pos = end + 4;
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, buf.length - pos);
          if (take === this.remaining && this.parts.length === 0) {
            this.done(buf.subarray(pos, pos + take));
          } else {
            this.part(buf.subarray(pos, pos + take));
            if (this.remaining === 0) this.done(this.joined());
          }
          pos += take;
          break;
        }
        case 'chunk-size': {
          const eol = buf.indexOf(LF, pos);
          if (eol < 0) return this.keep(buf, pos);
          let size = 0;
          let i = pos;
          for (; i < eol; i++) {
            const c = (buf[i] as number) | 0x20;
            const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
            if (digit < 0) break;
            size = size * 16 + digit;
          }
          if (i === pos) return this.fail('bad chunk size line');
          pos = eol + 1;
          this.remaining = size;
          this.state = size === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.remaining, buf.length - pos);
          this.part(buf.subarray(pos, pos + take));
          pos += take;
          if (this.remaining === 0) this.state = 'chunk-crlf';
          break;
        }
        case 'chunk-crlf': {
          if (buf.length - pos < 2) return this.keep(buf, pos);
          if (buf[pos] !== CR || buf[pos + 1] !== LF) return this.fail('chunk not followed by CRLF');
          pos += 2;
          this.state = 'chunk-size';
          break;
        }
        case 'trailers': {
          // Trailer fields (usually none), then an empty line.
          const eol = buf.indexOf(LF, pos);
          if (eol < 0) return this.keep(buf, pos);
          const empty = eol === pos || (eol === pos + 1 && buf[pos] === CR);
          pos = eol + 1;
          if (empty) this.done(this.joined());
          break;
        }
      }
    }
  }

  private keep(buf: Buffer, pos: number): void {
    if (buf.length - pos > maxHeadBytes) return this.fail(`response head over ${maxHeadBytes} bytes`);
    // A copy: the read buffer is reused for the next read.
    this.carry = Buffer.from(buf.subarray(pos));
  }

  private head(buf: Buffer, from: number, end: number): void {
    // "HTTP/1.x SSS ..."
    if (buf[from] !== 72 || buf[from + 4] !== 47 || buf[from + 8] !== 32) {
      return this.fail('response does not start with an HTTP/1.x status line');
    }
    const status = readUint(buf, from + 9, from + 12);
    if (status < 100) return this.fail('bad HTTP status code');
    const http10 = buf[from + 7] === 48;
    let contentLength = -1;
    let chunked = false;
    let close = http10;
    const refused = status === 429 || status === 503;
    if (refused) this.retryAfter = undefined;
    let line = buf.indexOf(LF, from) + 1;
    while (line > 0 && line < end) {
      let eol = buf.indexOf(LF, line);
      if (eol < 0 || eol > end) eol = end;
      const lineEnd = buf[eol - 1] === CR ? eol - 1 : eol;
      const colon = buf.indexOf(58, line);
      if (colon > line && colon < lineEnd) {
        const [vs, ve] = trim(buf, colon + 1, lineEnd);
        if (nameIs(buf, line, colon, 'content-length')) {
          contentLength = readUint(buf, vs, ve);
          if (contentLength < 0) return this.fail('bad content-length');
        } else if (nameIs(buf, line, colon, 'transfer-encoding')) {
          chunked = buf.toString('latin1', vs, ve).toLowerCase().endsWith('chunked');
        } else if (nameIs(buf, line, colon, 'connection')) {
          const value = buf.toString('latin1', vs, ve).toLowerCase();
          if (value.includes('close')) close = true;
          else if (value.includes('keep-alive')) close = false;
        } else if (refused && nameIs(buf, line, colon, 'retry-after')) {
          this.retryAfter = buf.toString('latin1', vs, ve);
        }
      }
      line = eol + 1;
    }
    if (status < 200) return; // 1xx interim response: the real one follows
    this.status = status;
    this.close = close;
    if (chunked) {
      this.state = 'chunk-size';
    } else if (status === 204 || status === 304 || contentLength === 0) {
      this.done(Buffer.alloc(0));
    } else if (contentLength > maxResponseBytes) {
      this.fail('', oversizeError(contentLength, true));
    } else if (contentLength > 0) {
      this.remaining = contentLength;
      this.state = 'body';
    } else {
      this.fail('response without Content-Length or chunked encoding (read-until-close is not supported)');
    }
  }

  private part(b: Buffer): void {
    if (b.length === 0) return;
    if (this.partBytes + b.length > maxResponseBytes) {
      this.fail('', oversizeError(this.partBytes + b.length, false));
      return;
    }
    // A copy: the read buffer is reused for the next read.
    this.parts.push(Buffer.from(b));
    this.partBytes += b.length;
    this.remaining -= b.length;
  }

  private joined(): Buffer {
    const body =
      this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    return body;
  }

  private done(body: Buffer): void {
    this.state = 'head';
    this.remaining = 0;
    this.sink.response(this.status, body, this.close);
  }

  private fail(message: string, oversize?: OpError): void {
    this.failed = true;
    this.parts = [];
    this.partBytes = 0;
    this.sink.error(message, oversize);
  }
}

export function connectRestNet(ctx: ClientContext<RestOptions>): Promise<PatternClient> {
  const host = ctx.url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(ctx.url.port || 80);
  if (ctx.request) {
    throw new CommbenchError(
      'E_USAGE',
      'rest client: net sends only the echo record; it has no `request` block support yet',
      {
        hint: 'use the undici client (options: { rest: { client: undici } }, the default with a request block)',
      },
    );
  }
  if (ctx.url.protocol !== 'http:') {
    throw new CommbenchError('E_USAGE', `rest client: net speaks plain http://, not ${ctx.url.protocol}//`, {
      hint: 'use the undici client (options: { rest: { client: undici } }, the default for https)',
    });
  }
  // The same path rule as the undici client: the URL's path and query, else options.path.
  const path = ctx.url.pathname !== '/' ? `${ctx.url.pathname}${ctx.url.search}` : ctx.options.path;
  const headPrefix =
    `POST ${path} HTTP/1.1\r\nhost: ${ctx.url.host}\r\n` +
    `content-type: application/json\r\ncontent-length: `;
  const pending = new PendingQueue<RestOp>(ctx.timeoutMs);
  const freeBuffers: Buffer[] = [];
  let templates: (Template | undefined)[] = [];
  let base: EchoRecord | undefined;
  let socket: Socket | undefined;
  let closed = false;
  let closedPromise: Promise<void> | undefined;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket?.uncork();
  };

  const template = (msg: EchoRecord, digits: number): Template | undefined => {
    if (base === undefined || msg.items !== base.items || msg.text !== base.text || msg.name !== base.name) {
      base = msg;
      templates = [];
      freeBuffers.length = 0;
    }
    let t = templates[digits];
    if (t === undefined) {
      const body = JSON.stringify(msg);
      if (!body.startsWith(seqPrefix)) return undefined;
      const bodyBytes = Buffer.byteLength(body);
      const head = `${headPrefix}${bodyBytes}\r\n\r\n`;
      t = {
        bytes: Buffer.from(head + body, 'utf8'),
        digitsAt: Buffer.byteLength(head) + seqPrefix.length,
        digits,
        bodyBytes,
      };
      templates[digits] = t;
    }
    return t;
  };

  const failAll = (err: OpError): void => pending.failAll(err);

  const request = `POST ${path}`;
  const check = (status: number, body: Buffer, op: RestOp, retryAfter?: string): OpError | undefined => {
    const seq = op.msg.seq;
    if (status === 200 && !op.verify && op.buffer !== undefined && body.length === op.bodyBytes) {
      // The canonical echo has the request's shape: seq digits right after '{"seq":'.
      const digits = digitCount(seq);
      if (
        body[0] === 123 &&
        body[seqPrefix.length + digits] === 44 &&
        readUint(body, seqPrefix.length, seqPrefix.length + digits) === seq
      ) {
        return undefined;
      }
    }
    return jsonEchoProblem(status, body, op.msg, op.verify, request, retryAfter);
  };

  /**
   * Opens the connection: its responses settle the pending ops, its end fails them. Reads land in
   * one buffer per socket (net's `onread`: no stream machinery per chunk), parsed synchronously.
   */
  const open = (): Socket => {
    const drop = (err: OpError): void => {
      parser.failed = true;
      if (socket === s) socket = undefined;
      failAll(err);
      s.destroy();
    };
    const parser = new ResponseParser({
      response(status, body, close) {
        const op = pending.shift();
        if (op === undefined) return drop(new OpError('protocol', 'HTTP response without a pending request'));
        if (op.buffer !== undefined && freeBuffers.length < ctx.inFlight) freeBuffers.push(op.buffer);
        if (!op.settled) {
          op.settled = true;
          const problem = check(status, body, op, status === 200 ? undefined : parser.retryAfter);
          if (problem) op.reject(problem);
          else {
            ctx.payload.add(op.bodyBytes, body.length);
            op.resolve();
          }
        }
        if (close) drop(new OpError('connection', 'the server closed the connection (Connection: close)'));
      },
      error: (message, oversize) => drop(oversize ?? new OpError('protocol', message)),
    });
    const s = netConnect({
      host,
      port,
      noDelay: true,
      ...(ctx.localAddress === undefined ? {} : { localAddress: ctx.localAddress }),
      onread: {
        buffer: Buffer.allocUnsafe(readBufferBytes),
        callback(bytes: number, buf: Uint8Array) {
          parser.push(Buffer.from(buf.buffer, buf.byteOffset, bytes));
          return true;
        },
      },
    });
    s.on('error', (err) => {
      if (socket === s) drop(toOpError(err));
    });
    s.on('close', () => {
      if (socket === s) drop(new OpError('connection', `connection to ${ctx.url.host} closed`));
    });
    socket = s;
    return s;
  };

  const write = (bytes: Buffer): void => {
    const s = socket ?? open();
    if (ctx.inFlight > 1 && !corked) {
      corked = true;
      s.cork();
      process.nextTick(uncork);
    }
    s.write(bytes);
  };

  const client: PatternClient = {
    send(msg, verify) {
      if (closed) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const seq = msg.seq;
        const digits = digitCount(seq);
        const t = template(msg, digits);
        let buffer: Buffer | undefined;
        let bytes: Buffer;
        let bodyBytes: number;
        if (t !== undefined) {
          buffer = freeBuffers.pop();
          if (buffer === undefined || buffer.length !== t.bytes.length) {
            buffer = Buffer.allocUnsafeSlow(t.bytes.length);
            t.bytes.copy(buffer);
          }
          putDigits(buffer, t.digitsAt, digits, seq);
          bytes = buffer;
          bodyBytes = t.bodyBytes;
        } else {
          const body = JSON.stringify(msg);
          bodyBytes = Buffer.byteLength(body);
          bytes = Buffer.from(`${headPrefix}${bodyBytes}\r\n\r\n${body}`);
        }
        pending.push(
          new RestOp(performance.now() + ctx.timeoutMs, msg, buffer, bodyBytes, verify, resolve, reject),
        );
        write(bytes);
      });
    },
    close() {
      if (!closed) {
        closed = true;
        failAll(new OpError('connection', 'client closed'));
        const s = socket;
        socket = undefined;
        closedPromise =
          s === undefined || s.destroyed
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
                s.once('close', () => resolve());
                s.destroy();
              });
      }
      return closedPromise ?? Promise.resolve();
    },
  };

  // Connect now, so that the connection is usually open before the first operation, but hand the
  // client over at once: a dead server fails the first operation (OpError connection), and
  // close() can cut a connect still in progress (3000 connects must not outlive a Ctrl-C).
  open();
  return Promise.resolve(client);
}
