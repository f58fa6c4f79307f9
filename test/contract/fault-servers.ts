import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import type { EchoRecord } from '../../src/message.js';
import type { DecodedRecord } from '../../src/patterns/grpc/proto.js';
import type { FaultyServer } from './faults.js';

/** What the fault servers share: written apart from the patterns' servers, so they check the clients. */

/** A request's JSON body (HTTP/1.1 request or HTTP/2 stream; an EchoRecord unless said otherwise). */
export function jsonBody<T = EchoRecord>(req: Readable): Promise<T> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as T));
  });
}

/** An HTTP/1.1 server on a free loopback port; `attach` adds to it (a WebSocket server) and returns its undo. */
export async function listenHttp(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  scheme = 'http',
  attach?: (server: ReturnType<typeof createServer>) => () => void,
): Promise<FaultyServer> {
  const server = createServer(handler);
  const detach = attach?.(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        detach?.();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A decoded protobuf record with proto3's defaults filled in. */
export function toRecord(d: DecodedRecord): EchoRecord {
  return { seq: d.seq ?? 0, name: d.name ?? '', items: d.items ?? [], text: d.text ?? '' };
}

/** Serves `server` (its services added) on a free loopback port, insecure. */
export async function listenGrpc(server: Server): Promise<FaultyServer> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { url: `grpc://127.0.0.1:${port}`, stop: async () => server.forceShutdown() };
}
