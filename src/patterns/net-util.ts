import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import type { Readable } from 'node:stream';

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
 * The HTTP/1.1 keep-alive server every echo server here uses: idle connections kept 120 s, no
 * request timeout (a load run must not be cut by the server), `onStop` before it closes (cancel
 * pending delayed answers, timers). `stop` closes the listener and every open connection.
 */
export async function serveHttp(
  at: { readonly host: string; readonly port: number },
  handle: RequestListener,
  onStop: () => void = () => undefined,
): Promise<{ readonly url: string; stop(): Promise<void> }> {
  const server = createServer({ keepAlive: true }, handle);
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;
  const address = await listen(server, at.host, at.port);
  return {
    url: urlOf('http', address),
    stop: () =>
      new Promise<void>((resolve) => {
        onStop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
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
