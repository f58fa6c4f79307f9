import {
  constants,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
  type Settings,
} from 'node:http2';
import { ServiceDelay } from '../../toolkit/delay.js';
import { listen, readJsonBody, urlOf } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { Socket } from 'node:net';
import { selfSigned } from './cert.js';
import type { RestH2Options } from './index.js';

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS } = constants;

export async function startServer(ctx: ServerContext<RestH2Options>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const { path, tls, maxConcurrentStreams } = ctx.options;

  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    if (headers[HTTP2_HEADER_METHOD] !== 'POST' || headers[HTTP2_HEADER_PATH] !== path) {
      stream.resume();
      stream.respond({ [HTTP2_HEADER_STATUS]: 404 }, { endStream: true });
      return;
    }
    readJsonBody(stream, (body) => {
      if (body === undefined) {
        stream.respond({ [HTTP2_HEADER_STATUS]: 400 }, { endStream: true });
        return;
      }
      delay.run(() => {
        if (stream.destroyed) return;
        stream.respond({
          [HTTP2_HEADER_STATUS]: 200,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        stream.end(body);
      });
    });
    stream.on('error', () => stream.destroy());
  };

  const settings: Settings = { enablePush: false };
  if (maxConcurrentStreams > 0) settings.maxConcurrentStreams = maxConcurrentStreams;
  let fingerprint = '';
  let server: Http2Server | Http2SecureServer;
  if (tls) {
    const identity = await selfSigned();
    fingerprint = identity.fingerprint256.replaceAll(':', '').toLowerCase();
    server = createSecureServer({ cert: identity.cert, key: identity.key, settings, allowHTTP1: false });
  } else {
    server = createServer({ settings });
  }
  const sessions = new Set<Http2Session>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => session.destroy());
  });
  server.on('stream', onStream);
  // TCP_NODELAY as node:http servers have by default: HEADERS and DATA are separate writes.
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  const address = await listen(server, ctx.host, ctx.port);
  const url = tls ? `${urlOf('https', address)}/#sha256=${fingerprint}` : urlOf('http', address);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        delay.cancelAll();
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}
