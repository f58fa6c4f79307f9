import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type OnReadOpts, type Server, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { OpError, toOpError } from './contract.js';
import type { ServiceDelay } from './delay.js';

/** Listens on host:port (0 = any free port); rejects on error (e.g. EADDRINUSE). */
export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** 'http', {address: '::1', port: 80} → 'http://[::1]:80'. */
export function urlOf(scheme: string, address: { address: string; port: number }): string {
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

/**
 * Listens with `server` at host:port (0 = any free port) as `scheme`://host:port. `stop` closes the
 * listener, runs `stopping` (cancel pending delayed answers, end the open connections) and
 * resolves once every connection is gone.
 */
export async function serve(
  server: Server,
  at: { readonly host: string; readonly port: number },
  scheme: string,
  stopping: () => void,
): Promise<{ readonly url: string; stop(): Promise<void> }> {
  const address = await listen(server, at.host, at.port);
  return {
    url: urlOf(scheme, address),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        stopping();
      }),
  };
}

/** The connections of a node:net server (it has no closeAllConnections), each until it closes. */
export function openConnections(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

/**
 * The HTTP/1.1 keep-alive server every echo server here uses: idle connections kept 120 s, no
 * request timeout (a load run must not be cut by the server), `onStop` when it stops (cancel
 * pending delayed answers, timers). `stop` closes the listener and every open connection.
 */
export function serveHttp(
  at: { readonly host: string; readonly port: number },
  handle: RequestListener,
  onStop: () => void = () => undefined,
): Promise<{ readonly url: string; stop(): Promise<void> }> {
  const server = createServer({ keepAlive: true }, handle);
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;
  return serve(server, at, 'http', () => {
    onStop();
    server.closeAllConnections();
  });
}

/** Reads a request body (HTTP/1.1 request or HTTP/2 stream) to its end; `done` gets it as text. */
export function readBody(body: Readable, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  body.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
  });
  body.on('end', () =>
    done(chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks, length).toString()),
  );
}

/**
 * Reads a JSON request body; `done` gets it re-serialized compactly (what an echo server answers),
 * or undefined when the body is not JSON (answer 400).
 */
export function readJsonBody(body: Readable, done: (json: string | undefined) => void): void {
  readBody(body, (text) => {
    let json: string;
    try {
      json = JSON.stringify(JSON.parse(text));
    } catch {
      return done(undefined);
    }
    done(json);
  });
}

/** Answers with `status` and no body, reading (and dropping) what the request sent. */
export function answerEmpty(req: IncomingMessage, res: ServerResponse, status: number): void {
  req.resume();
  res.writeHead(status, { 'content-length': '0' }).end();
}

/**
 * The echo servers' answer to a JSON request: the body re-serialized, after `delay` (the injected
 * service time), or 400 when it is not JSON.
 */
export function echoJson(req: IncomingMessage, res: ServerResponse, delay: ServiceDelay): void {
  readJsonBody(req, (body) => {
    if (body === undefined) return answerEmpty(req, res, 400);
    delay.run(() =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        .end(body),
    );
  });
}

/** The host of a client URL as node:net takes it ('[::1]' → '::1'). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** How connectSocket connects: socket options, and what the server says first, if it is awaited. */
export interface ConnectOptions {
  readonly noDelay?: boolean;
  readonly onread?: OnReadOpts;
  /** When the URL names none. */
  readonly defaultPort?: number;
  /** Bind to this local address before connecting (absent: the kernel picks). */
  readonly localAddress?: string | undefined;
  /** Resolve only once the server's opening (a line, an HTTP head) up to `end` has arrived; `request` is written on connect. */
  readonly opening?: { readonly request?: string; readonly end: string };
}

/**
 * Connects a node:net socket to `url` within `timeoutMs`. Resolves with the socket and, with
 * `opening`, the server's bytes before `opening.end` (`head`) and after it (`rest`: the protocol's
 * first bytes, for the caller to parse). Rejects with an OpError: 'timeout' (`no ${what} within N
 * ms`), 'connection' when the server closes first, or the socket error's kind.
 */
export function connectSocket(
  url: URL,
  timeoutMs: number,
  what: string,
  options: ConnectOptions = {},
): Promise<{ socket: Socket; head: Buffer; rest: Buffer }> {
  const { opening, defaultPort = 0, localAddress, ...socketOptions } = options;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: hostOf(url),
      port: Number(url.port || defaultPort),
      ...socketOptions,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    let head = Buffer.alloc(0);
    const timer = setTimeout(
      () => done(new OpError('timeout', `no ${what} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const done = (err?: OpError, end = 0): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) {
        socket.destroy();
        return reject(err);
      }
      resolve({ socket, head: head.subarray(0, end), rest: head.subarray(end + (opening?.end.length ?? 0)) });
    };
    const onConnect = (): void => {
      if (!opening) return done();
      if (opening.request !== undefined) socket.write(opening.request);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf((opening as { end: string }).end);
      if (end >= 0) done(undefined, end);
    };
    const onError = (err: Error): void => done(toOpError(err));
    const onClose = (): void => done(new OpError('connection', `connection to ${url.host} closed`));
    socket.once('connect', onConnect);
    if (opening) socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}
