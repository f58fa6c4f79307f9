import {
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type SecureClientSessionOptions,
} from 'node:http2';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { EchoRecord } from '../../message.js';
import { prepareHttpRequest, type HttpRequest } from '../../toolkit/request/http.js';
import { tlsOptions, tlsProblem } from '../../toolkit/request/tls.js';
import { openHttp2Session } from '../../toolkit/http2-session.js';
import { explainingNotHttp2, whyNotHttp2 } from '../../toolkit/not-http2.js';
import { PendingQueue, type PendingOp } from '../../toolkit/pending.js';
import {
  maxResponseBytes,
  OpError,
  oversizeError,
  toOpError,
  type ClientContext,
  type PatternClient,
} from '../../toolkit/contract.js';
import { jsonEchoProblem } from '../rest/json-echo.js';
import type { RestH2Options } from './index.js';

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS, NGHTTP2_CANCEL } = constants;

/** One request stream: a PendingOp for the deadline sweep. */
class H2Op implements PendingOp {
  settled = false;
  status = 0;
  /** The Retry-After of a 429 or 503 answer. */
  retryAfter: string | undefined;
  chunks: Buffer[] = [];
  length = 0;
  stream: ClientHttp2Stream | undefined;

  constructor(
    readonly deadline: number,
    readonly msg: EchoRecord,
    readonly requestBytes: number,
    readonly verify: boolean,
    readonly resolve: () => void,
    private readonly rejectOp: (err: OpError) => void,
  ) {}

  /** Also called by the PendingQueue sweep on timeout: the stream is cancelled (RST_STREAM). */
  reject(err: OpError): void {
    if (this.stream && !this.stream.destroyed) this.stream.close(NGHTTP2_CANCEL);
    this.rejectOp(err);
  }
}

/** The SHA-256 pin of a URL written by the server (`#sha256=<hex>`), upper-case with colons. */
function pinOf(url: URL): string | undefined {
  const hex = /^#sha256=([0-9a-f]{64})$/i.exec(url.hash)?.[1];
  return hex?.toUpperCase().match(/../g)?.join(':');
}

/** Opens one HTTP/2 session; resolves once the connection (and TLS handshake) is up. */
async function open(ctx: ClientContext<RestH2Options>): Promise<ClientHttp2Session> {
  const host = ctx.url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(ctx.url.port) || (ctx.url.protocol === 'https:' ? 443 : 80);
  const pin = pinOf(ctx.url);
  // Sockets are opened here with net.connect: TCP_NODELAY like node:http and undici (HEADERS and
  // DATA are separate writes; Nagle would hold the second back), and wire accounting
  // (net.client.socket) sees the bytes on the wire, TLS records included.
  const tcp = () => netConnect({ host, port, noDelay: true });
  const options: SecureClientSessionOptions = { settings: { enablePush: false } };
  const tls = tlsOptions(ctx.request);
  options.createConnection =
    ctx.url.protocol === 'https:'
      ? () =>
          tlsConnect({
            socket: tcp(),
            // The certificate is checked against `host` (node would check 'localhost' otherwise).
            host,
            servername: /^[\d.:]+$/.test(host) ? undefined : host,
            ALPNProtocols: ['h2'],
            rejectUnauthorized: pin === undefined,
            ...tls,
          })
      : tcp;
  const session = await openHttp2Session(ctx.url.origin, options, ctx, (err) => {
    const problem = tlsProblem(err);
    return problem ? new OpError('connection', problem, { cause: err }) : toOpError(err);
  });
  if (pin !== undefined) {
    const seen = (session.socket as TLSSocket).getPeerCertificate().fingerprint256;
    if (seen !== pin) {
      session.destroy();
      throw new OpError('connection', `server certificate ${seen} is not the pinned ${pin}`);
    }
  }
  return session;
}

/** The rest-h2 client; over h2c, a server that is not HTTP/2 is named as such (not-http2.ts). */
export async function connect(ctx: ClientContext<RestH2Options>): Promise<PatternClient> {
  if (ctx.url.protocol === 'https:') return connectH2(ctx);
  try {
    return explainingNotHttp2(await connectH2(ctx), ctx.url);
  } catch (err) {
    throw await whyNotHttp2(err, ctx.url);
  }
}

async function connectH2(ctx: ClientContext<RestH2Options>): Promise<PatternClient> {
  const session = await open(ctx);
  const pending = new PendingQueue<H2Op>(ctx.timeoutMs);
  let failure: OpError | undefined;
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  const fail = (err: OpError) => {
    failure ??= err;
    pending.failAll(failure);
    session.destroy();
  };
  session.on('error', (err) => fail(toOpError(err)));
  session.on('goaway', () => fail(new OpError('connection', `${ctx.url.host} sent GOAWAY`)));
  session.on('close', () => fail(new OpError('connection', `connection to ${ctx.url.host} closed`)));

  const own: HttpRequest | undefined = ctx.request ? prepareHttpRequest(ctx.url, ctx.request) : undefined;
  const headers = own
    ? { ...own.headers, [HTTP2_HEADER_METHOD]: own.method, [HTTP2_HEADER_PATH]: own.path }
    : {
        [HTTP2_HEADER_METHOD]: 'POST',
        [HTTP2_HEADER_PATH]:
          ctx.url.pathname !== '/' ? `${ctx.url.pathname}${ctx.url.search}` : ctx.options.path,
        'content-type': 'application/json',
      };
  const ownBody = own?.body;
  const echoRequest = `POST ${String(headers[HTTP2_HEADER_PATH])}`;

  const finish = (op: H2Op) => {
    if (op.settled) return;
    op.settled = true;
    pending.dropSettled();
    const body = op.chunks.length === 1 ? (op.chunks[0] as Buffer) : Buffer.concat(op.chunks, op.length);
    const problem = own
      ? own.check(op.status, body, op.retryAfter)
      : jsonEchoProblem(op.status, body, op.msg, op.verify, echoRequest, op.retryAfter);
    if (problem) return op.reject(problem);
    ctx.payload.add(op.requestBytes, op.length);
    op.resolve();
  };

  return {
    send(msg, verify) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        const body = own ? ownBody?.(msg.seq) : JSON.stringify(msg);
        const op = new H2Op(
          performance.now() + ctx.timeoutMs,
          msg,
          body === undefined ? 0 : Buffer.byteLength(body),
          verify,
          resolve,
          reject,
        );
        pending.push(op);
        let stream: ClientHttp2Stream;
        try {
          stream = session.request(
            body === undefined ? headers : { ...headers, 'content-length': op.requestBytes },
            body === undefined ? { endStream: true } : {},
          );
        } catch (err) {
          op.settled = true;
          pending.dropSettled();
          return reject(toOpError(err));
        }
        op.stream = stream;
        // An answer over maxResponseBytes fails as oversize and its stream is cancelled (RST_STREAM).
        const oversize = (err: OpError): void => {
          if (op.settled) return;
          op.settled = true;
          op.chunks = [];
          pending.dropSettled();
          op.reject(err);
        };
        stream.on('response', (h: IncomingHttpHeaders) => {
          op.status = Number(h[HTTP2_HEADER_STATUS]);
          if (op.status === 429 || op.status === 503) op.retryAfter = [h['retry-after'] ?? []].flat()[0];
          const announced = Number(h['content-length']);
          if (announced > maxResponseBytes) oversize(oversizeError(announced, true));
        });
        stream.on('data', (chunk: Buffer) => {
          if (op.settled) return;
          if (op.length + chunk.length > maxResponseBytes)
            return oversize(oversizeError(op.length + chunk.length, false));
          op.chunks.push(chunk);
          op.length += chunk.length;
        });
        stream.on('end', () => finish(op));
        stream.on('error', (err) => {
          if (op.settled) return;
          op.settled = true;
          pending.dropSettled();
          reject(toOpError(err));
        });
        stream.on('close', () => {
          if (op.settled) return;
          op.settled = true;
          pending.dropSettled();
          reject(new OpError('protocol', `stream closed (code ${stream.rstCode}) before the response ended`));
        });
        if (body !== undefined) stream.end(body);
      });
    },
    close() {
      fail(new OpError('connection', 'client closed'));
      return closed;
    },
  };
}
