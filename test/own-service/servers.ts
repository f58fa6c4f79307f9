/**
 * Small services written here, not by commbench's patterns: each answers only the request it was
 * written for and counts what it accepted, so a test can hold commbench's op count against it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  createSecureServer,
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
export async function startOrdersApi(
  opts: { h2?: boolean; tls?: { cert: string; key: string } } = {},
): Promise<Counted> {
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
  const server =
    opts.tls && opts.h2
      ? createSecureServer(opts.tls, handle)
      : opts.tls
        ? createHttpsServer(opts.tls, handle)
        : opts.h2
          ? createH2Server(handle)
          : createServer(handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(counted, {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  });
}

/**
 * A GraphQL API with its own schema (graphql-js executing on node:http, POST /graphql): orders
 * with a query and a mutation; `x-token: abc` is required (HTTP 401 otherwise). Accepted = answers
 * without GraphQL errors.
 */
export async function startGraphqlApi(): Promise<Counted> {
  const { buildSchema, graphql } = await import('graphql');
  const schema = buildSchema(`
    type Order { id: ID!, item: String!, qty: Int! }
    type Query { order(id: ID!): Order }
    type Mutation { placeOrder(item: String!, qty: Int!): Order! }
  `);
  let next = 1;
  const rootValue = {
    order: ({ id }: { id: string }) => ({ id, item: 'book', qty: 1 }),
    placeOrder: ({ item, qty }: { item: string; qty: number }) => {
      if (qty < 1) throw new Error('qty must be at least 1');
      return { id: String(next++), item, qty };
    },
  };
  const counted: Counted = { url: '', accepted: 0, refused: {}, close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/graphql' || req.method !== 'POST') {
        refuse(counted, 'path');
        res.writeHead(404).end();
        return;
      }
      if (req.headers['x-token'] !== 'abc') {
        refuse(counted, 'token');
        res.writeHead(401).end('{"errors":[{"message":"unauthorized"}]}');
        return;
      }
      const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString()) as {
        query: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      void graphql({
        schema,
        source: query,
        rootValue,
        variableValues: variables ?? null,
        operationName: operationName ?? null,
      }).then((result) => {
        if (result.errors?.length) refuse(counted, 'graphql');
        else counted.accepted++;
        const body = JSON.stringify(result);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(counted, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/**
 * A WebSocket service with its own message format (ws, path /chat, subprotocol chat.v1, header
 * x-token: abc): `{"type":"ping","id":N}` is answered `{"type":"pong","id":N}`; every 20 ms it also
 * sends `{"type":"tick"}` that answers nothing. Accepted = pongs sent.
 */
export async function startChatSocket(): Promise<Counted> {
  const { WebSocketServer } = await import('ws');
  const counted: Counted = { url: '', accepted: 0, refused: {}, close: () => Promise.resolve() };
  const http = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('chat.v1') ? 'chat.v1' : false),
  });
  http.on('upgrade', (req, socket, head) => {
    if (req.url !== '/chat') {
      refuse(counted, 'path');
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    if (req.headers['x-token'] !== 'abc') {
      refuse(counted, 'token');
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const tick = setInterval(() => ws.send('{"type":"tick"}'), 20);
      ws.on('close', () => clearInterval(tick));
      ws.on('message', (data: Buffer) => {
        let m: { type?: string; id?: unknown };
        try {
          m = JSON.parse(data.toString()) as typeof m;
        } catch {
          refuse(counted, 'message');
          return;
        }
        if (m.type !== 'ping' || typeof m.id !== 'number') {
          refuse(counted, 'message');
          ws.send('{"type":"error","reason":"expected ping with a numeric id"}');
          return;
        }
        counted.accepted++;
        ws.send(JSON.stringify({ type: 'pong', id: m.id }));
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return Object.assign(counted, {
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  });
}
