/**
 * Small services written here, not by commbench's patterns: each answers only the request it was
 * written for and counts what it accepted, so a test can hold commbench's op count against it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createServer as createH2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';

export interface Counted {
  readonly url: string;
  /** Requests the service accepted (answered as success). */
  accepted: number;
  /** Requests it refused, by reason. */
  readonly refused: Record<string, number>;
  close(): Promise<void>;
}

function refuse(counted: Counted, reason: string): void {
  counted.refused[reason] = (counted.refused[reason] ?? 0) + 1;
}

/**
 * An orders API: `POST /api/orders` with `x-token: abc` and a JSON body `{ item, qty }` answers
 * 201 `{"id":n,"item":…}`; a wrong path 404, a wrong method on the path 405, a missing or wrong
 * token 401, a bad body 400.
 */
export async function startOrdersApi(opts: { h2?: boolean } = {}): Promise<Counted> {
  let nextId = 1;
  const counted: Counted = {
    url: '',
    accepted: 0,
    refused: {},
    close: () => Promise.resolve(),
  };
  const handle = (
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
  ): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/api/orders') {
        refuse(counted, 'path');
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      if (req.method !== 'POST') {
        refuse(counted, 'method');
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      if (req.headers['x-token'] !== 'abc') {
        refuse(counted, 'token');
        res.writeHead(401).end('{"error":"unauthorized"}');
        return;
      }
      let order: { item?: unknown; qty?: unknown };
      try {
        order = JSON.parse(Buffer.concat(chunks).toString()) as typeof order;
      } catch {
        refuse(counted, 'body');
        res.writeHead(400).end('{"error":"not json"}');
        return;
      }
      if (typeof order.item !== 'string' || typeof order.qty !== 'number') {
        refuse(counted, 'body');
        res.writeHead(400).end('{"error":"item and qty required"}');
        return;
      }
      counted.accepted++;
      const body = JSON.stringify({
        id: nextId++,
        item: order.item,
        qty: order.qty,
        ref: url.searchParams.get('ref'),
      });
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  };
  const server = opts.h2 ? createH2Server(handle) : createServer(handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(counted, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  });
}
