import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import net from 'node:net';
import type { EchoRecord } from '../../message.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../types.js';
import type { GrpcOptions } from './index.js';
import { echoCodec, echoProblem, unaryPath } from './proto.js';

const { NGHTTP2_CANCEL } = http2.constants;

/**
 * A lean gRPC unary client on node:http2 (option `client: http2`): the same protocol on the wire
 * as @grpc/grpc-js — HTTP/2 POST to the method path, `application/grpc`, 5-byte length-prefixed
 * protobuf, `grpc-status` in the trailers — without grpc-js's channel, interceptor and call
 * machinery. Next to the default client it shows how much of a gRPC row is the protocol and how
 * much the library (grpc-js's client costs several times this one's CPU per call).
 */
export async function connectGrpcHttp2(ctx: ClientContext<GrpcOptions>): Promise<PatternClient> {
  const session = await openSession(ctx);
  const codec = echoCodec();
  const streams = new Set<ClientHttp2Stream>();
  const headers = {
    ':method': 'POST',
    ':path': unaryPath,
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-timeout': `${ctx.timeoutMs}m`,
  };
  let closing = false;

  const call = (
    msg: EchoRecord,
    verify: boolean,
    resolve: () => void,
    reject: (err: OpError) => void,
  ): void => {
    const request = codec.encode(msg);
    const frame = Buffer.allocUnsafe(5 + request.length);
    frame[0] = 0;
    frame.writeUInt32BE(request.length, 1);
    request.copy(frame, 5);
    const stream = session.request(headers);
    streams.add(stream);
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    let settled = false;
    const finish = (err?: OpError): void => {
      if (settled) return;
      settled = true;
      streams.delete(stream);
      if (err) reject(err);
      else resolve();
    };
    stream.setTimeout(ctx.timeoutMs, () => {
      stream.close(NGHTTP2_CANCEL);
      finish(new OpError('timeout', `no response within ${ctx.timeoutMs} ms`));
    });
    stream.on('response', (h) => {
      // A trailers-only response carries grpc-status in the headers.
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
    });
    stream.on('trailers', (t) => {
      grpcStatus = String(t['grpc-status']);
      grpcMessage = String(t['grpc-message'] ?? '');
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (err) =>
      finish(closing ? new OpError('connection', 'client closed') : toOpError(err)),
    );
    stream.on('close', () => {
      if (settled) return;
      if (grpcStatus !== '0') {
        return finish(
          grpcStatus === undefined
            ? new OpError('connection', 'stream closed without grpc-status')
            : new OpError(
                grpcStatus === '4' ? 'timeout' : 'protocol',
                `grpc-status ${grpcStatus}: ${grpcMessage}`,
              ),
        );
      }
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5) {
        return finish(new OpError('protocol', 'response is not one length-prefixed gRPC message'));
      }
      const response = body.subarray(5);
      const problem = echoProblem(response, msg, verify);
      if (problem) return finish(problem);
      ctx.payload.add(request.length, response.length);
      finish();
    });
    stream.end(frame);
  };

  return {
    send(msg, verify) {
      if (closing || session.closed || session.destroyed) {
        return Promise.reject(new OpError('connection', 'session closed'));
      }
      return new Promise<void>((resolve, reject) => call(msg, verify, resolve, reject));
    },
    close() {
      if (closing) return Promise.resolve();
      closing = true;
      for (const s of streams) s.close(NGHTTP2_CANCEL);
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
    },
  };
}

function openSession(ctx: ClientContext<GrpcOptions>): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${ctx.url.host}`, {
      createConnection: () =>
        net.connect({
          host: ctx.url.hostname.replace(/^\[|\]$/g, ''),
          port: Number(ctx.url.port),
          noDelay: true,
        }),
    });
    const timer = setTimeout(() => {
      session.destroy();
      reject(new OpError('timeout', `no connection to ${ctx.url.host} within ${ctx.timeoutMs} ms`));
    }, ctx.timeoutMs);
    session.once('connect', () => {
      clearTimeout(timer);
      session.off('error', onError);
      session.on('error', () => undefined); // stream errors carry the cause; keep the session's quiet
      resolve(session);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      session.destroy();
      reject(new OpError('connection', `cannot connect to ${ctx.url.host}: ${err.message}`, { cause: err }));
    };
    session.once('error', onError);
  });
}
