import {
  Client,
  credentials,
  Metadata,
  status,
  type ChannelCredentials,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { resolveEnv } from '../../toolkit/request/env.js';
import { requestHeaders } from '../../toolkit/request/http.js';
import type { RequestSpec } from '../../plan/request.js';
import { tlsOptions } from '../../toolkit/request/tls.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';
import { ChannelCalls, clientChannelOptions, errorKindOf, identity, ready } from './client.js';
import type { GrpcOptions } from './index.js';
import { findMethod, loadProtoRoot, messageEncoder, type OwnMethod } from './own-proto.js';

const statusHints: Partial<Record<number, string>> = {
  [status.UNIMPLEMENTED]: 'the server does not implement this method: check request.call and the proto',
  [status.UNAUTHENTICATED]: 'not authenticated: check request.metadata (secrets: ${ENV:NAME})',
  [status.PERMISSION_DENIED]: 'permission denied: check request.metadata / credentials',
  [status.INVALID_ARGUMENT]: 'the server rejected the message: check request.message',
  [status.NOT_FOUND]: 'the server did not find what the message names: check request.message',
};

/** A grpc-js call error as an OpError with a one-line hint. */
function ownOpError(err: ServiceError, call: string, closing: boolean): OpError {
  const name = status[err.code] ?? String(err.code);
  const hint = statusHints[err.code];
  const kind = errorKindOf(err, closing);
  const tls =
    kind === 'connection' && /certificate|ssl|tls|handshake/i.test(err.details)
      ? '; hint: give the CA with request.tls.ca, or request.tls.insecure: true'
      : '';
  return new OpError(kind, `${call}: ${name}: ${err.details}${hint ? `; ${hint}` : ''}${tls}`, {
    cause: err,
  });
}

/** Channel credentials: grpcs:// is TLS (CA, client cert, verification from request.tls). */
export function channelCredentials(url: URL, request: RequestSpec | undefined): ChannelCredentials {
  if (url.protocol !== 'grpcs:') return credentials.createInsecure();
  const tls = tlsOptions(request);
  const buf = (v: unknown): Buffer | null => (typeof v === 'string' ? Buffer.from(v) : null);
  return credentials.createSsl(
    buf(tls.ca),
    buf(tls.key),
    buf(tls.cert),
    tls.rejectUnauthorized === false
      ? { rejectUnauthorized: false, checkServerIdentity: () => undefined }
      : {},
  );
}

export function ownMetadata(request: RequestSpec): Metadata {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(request.metadata ?? {})) metadata.add(k.toLowerCase(), resolveEnv(v));
  const authorization = requestHeaders({ ...(request.auth ? { auth: request.auth } : {}) }).authorization;
  if (authorization !== undefined) metadata.set('authorization', authorization);
  return metadata;
}

/**
 * The user's own RPC (`request.call` from `request.proto`, or from server reflection when no
 * proto is given). One operation is one call of any kind: unary; server-stream (ends with the
 * status, all messages read); client-stream and bidi (`streamMessages` requests written, then the
 * status). Success is status OK. Payload bytes = encoded messages.
 */
export async function connectOwnGrpc(ctx: ClientContext<GrpcOptions>): Promise<PatternClient> {
  const request = ctx.request as RequestSpec;
  const client = new Client(ctx.url.host, channelCredentials(ctx.url, request), {
    ...clientChannelOptions,
    ...(request.tls?.servername ? { 'grpc.ssl_target_name_override': request.tls.servername } : {}),
  });
  let method: OwnMethod;
  let encode: (seq: number) => Buffer;
  try {
    await ready(client, ctx);
    if (request.call === undefined) {
      throw new OpError('protocol', 'grpc request needs request.call (package.Service/Method)');
    }
    if (request.proto !== undefined) {
      method = findMethod(loadProtoRoot(request), request.call, request.proto);
    } else {
      const { reflectMethod } = await import('./reflection.js');
      method = await reflectMethod(client, request.call, ctx.timeoutMs, ownMetadata(request));
    }
    encode = messageEncoder(request, method.requestType);
  } catch (err) {
    client.close();
    if (ctx.url.protocol === 'grpcs:' && err instanceof OpError && err.kind === 'connection') {
      throw new OpError(
        'connection',
        `${err.message}; a TLS failure? give the server's CA with request.tls.ca, or request.tls.insecure: true`,
        { cause: err },
      );
    }
    throw err;
  }
  const metadata = ownMetadata(request);
  const perCall = Math.max(1, request.streamMessages ?? 1);
  const call = request.call;
  const calls = new ChannelCalls<{ cancel(): void }>(client);
  const deadline = (): { deadline: number } => ({ deadline: Date.now() + ctx.timeoutMs });

  /** The end of a call with one response message (unary, client-stream). */
  const answered = (
    c: { cancel(): void },
    sent: number,
    err: ServiceError | null,
    response: Buffer | undefined,
    resolve: () => void,
    reject: (e: OpError) => void,
  ): void => {
    calls.live.delete(c);
    if (err) return reject(ownOpError(err, call, calls.closing));
    ctx.payload.add(sent, response?.length ?? 0);
    resolve();
  };

  /** Writes the `perCall` messages of a client-stream or bidi call and half-closes it; returns the bytes written. */
  const writeAll = (c: { write(m: Buffer): boolean; end(): void }, seq: number): number => {
    let sent = 0;
    for (let i = 0; i < perCall; i++) {
      const m = encode(seq);
      sent += m.length;
      c.write(m);
    }
    c.end();
    return sent;
  };

  const unary = (seq: number, resolve: () => void, reject: (e: OpError) => void): void => {
    const message = encode(seq);
    const c = client.makeUnaryRequest<Buffer, Buffer>(
      method.path,
      identity,
      identity,
      message,
      metadata,
      deadline(),
      (err, response) => answered(c, message.length, err, response, resolve, reject),
    );
    calls.live.add(c);
  };

  const clientStream = (seq: number, resolve: () => void, reject: (e: OpError) => void): void => {
    let sent = 0;
    const c = client.makeClientStreamRequest<Buffer, Buffer>(
      method.path,
      identity,
      identity,
      metadata,
      deadline(),
      (err, response) => answered(c, sent, err, response, resolve, reject),
    );
    calls.live.add(c);
    sent = writeAll(c, seq);
  };

  /** Server-stream and bidi: read every response message until the status. */
  const streaming = (seq: number, resolve: () => void, reject: (e: OpError) => void): void => {
    let sent = 0;
    let received = 0;
    let c: ClientReadableStream<Buffer>;
    let bidi: ClientDuplexStream<Buffer, Buffer> | undefined;
    if (method.requestStream) {
      c = bidi = client.makeBidiStreamRequest<Buffer, Buffer>(
        method.path,
        identity,
        identity,
        metadata,
        deadline(),
      );
    } else {
      const m = encode(seq);
      sent = m.length;
      c = client.makeServerStreamRequest<Buffer, Buffer>(
        method.path,
        identity,
        identity,
        m,
        metadata,
        deadline(),
      );
    }
    calls.live.add(c);
    let failed = false;
    c.on('data', (m: Buffer) => (received += m.length));
    c.on('error', (err: ServiceError) => {
      failed = true;
      calls.live.delete(c);
      reject(ownOpError(err, call, calls.closing));
    });
    c.on('status', (s: StatusObject) => {
      calls.live.delete(c);
      if (failed || s.code !== status.OK) return;
      ctx.payload.add(sent, received);
      resolve();
    });
    if (bidi) sent = writeAll(bidi, seq);
  };

  const perform = method.responseStream ? streaming : method.requestStream ? clientStream : unary;
  return {
    send(msg) {
      if (calls.closing) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        try {
          perform(msg.seq, resolve, reject);
        } catch (err) {
          reject(toOpError(err));
        }
      });
    },
    close: () => calls.close(),
  };
}
