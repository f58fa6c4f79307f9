/**
 * Every client that reads an answer of unbounded size reads at most maxResponseBytes (64 MiB) of it:
 * a bigger answer fails its operation (or, for subscribers, counts a window error) of kind
 * 'oversize', announced sizes at once, streamed ones at the bound. The servers are written here:
 * node:http2 (rest-h2, three gRPC clients), raw WebSocket frames on node:net (ws, the lean net
 * client, a user's own WebSocket, graphql-ws), node:http (SSE, polling).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  createServer as createH2Server,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { makeRecord } from '../../src/message.js';
import graphqlWsPattern from '../../src/patterns/graphql-ws/index.js';
import grpcPattern from '../../src/patterns/grpc/index.js';
import pollPattern from '../../src/patterns/poll/index.js';
import restH2Pattern from '../../src/patterns/rest-h2/index.js';
import ssePattern from '../../src/patterns/sse/index.js';
import { maxResponseBytes, OpError, type PatternClient } from '../../src/toolkit/contract.js';
import websocketPattern from '../../src/patterns/websocket/index.js';

const servers: (HttpServer | Http2Server | NetServer)[] = [];
const sockets = new Set<{ destroy(): void }>();
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

async function listen(server: HttpServer | Http2Server | NetServer): Promise<number> {
  servers.push(server);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return address.port;
}

const ctxBase = { index: 0, inFlight: 1, timeoutMs: 8000, payload: { add: () => undefined } };
const record = makeRecord(64);

/** The OpError a send ends with (it must fail). */
async function sendError(client: PatternClient): Promise<OpError> {
  try {
    await client.send({ ...record, seq: 1 }, false);
  } catch (err) {
    assert.ok(err instanceof OpError, String(err));
    return err;
  } finally {
    await client.close();
  }
  assert.fail('the send succeeded');
}

/** Writes `chunk` again and again while `alive()`, with backpressure. */
function endless(write: (c: Buffer) => boolean, once: (cb: () => void) => void, alive: () => boolean): void {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  const more = (): void => {
    while (alive() && write(chunk));
    if (alive()) once(more);
  };
  more();
}

/** 4-byte gRPC prefix announcing `bytes`, uncompressed. */
function grpcPrefix(bytes: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(bytes, 1);
  return b;
}

describe('HTTP/2 clients: answers over the bound are oversize', () => {
  let mode: 'announced' | 'endless' | 'grpc' = 'announced';
  const h2 = createH2Server((req: Http2ServerRequest, res: Http2ServerResponse) => {
    req.resume();
    if (mode === 'grpc') {
      res.writeHead(200, { 'content-type': 'application/grpc' });
      res.write(grpcPrefix(100 * 1024 * 1024));
      res.write(Buffer.alloc(1024, 1)); // then nothing more: the client must not wait for the rest
      return;
    }
    if (mode === 'announced') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 ** 30) });
      res.write('{"seq"');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    endless(
      (c) => res.write(c),
      (cb) => res.once('drain', cb),
      () => !res.destroyed && !res.writableEnded && !res.stream.destroyed,
    );
  });
  h2.on('session', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = listen(h2);

  it('rest-h2: a Content-Length over 64 MiB fails at the headers', async () => {
    mode = 'announced';
    const url = new URL(`http://127.0.0.1:${await port}/`);
    const client = await restH2Pattern.connect({ ...ctxBase, url, options: restH2Pattern.options.parse({}) });
    const err = await sendError(client);
    assert.equal(err.kind, 'oversize', err.message);
    assert.match(err.message, /response of 1,073,741,824 bytes, more than the 64 MiB a client reads/);
  });

  it('rest-h2: an endless body fails at 64 MiB, not at the timeout', async () => {
    mode = 'endless';
    const url = new URL(`http://127.0.0.1:${await port}/`);
    const client = await restH2Pattern.connect({ ...ctxBase, url, options: restH2Pattern.options.parse({}) });
    const started = Date.now();
    const err = await sendError(client);
    assert.equal(err.kind, 'oversize', err.message);
    assert.match(err.message, /response over [\d,]+ bytes/);
    assert.ok(Date.now() - started < ctxBase.timeoutMs, `${Date.now() - started} ms`);
  });

  for (const client of ['grpc-js', 'http2', 'frames'] as const) {
    it(`grpc (client: ${client}): a message announced over 64 MiB fails at its prefix`, async () => {
      mode = 'grpc';
      const url = new URL(`grpc://127.0.0.1:${await port}`);
      const c = await grpcPattern.connect({
        ...ctxBase,
        url,
        options: grpcPattern.options.parse({ client }),
      });
      const started = Date.now();
      const err = await sendError(c);
      assert.equal(err.kind, 'oversize', err.message);
      assert.ok(Date.now() - started < ctxBase.timeoutMs, `${Date.now() - started} ms`);
    });
  }
});

/** A WebSocket server on node:net: the handshake, then `onMessage(socket, n)` for each client frame. */
function rawWebSocket(onMessage: (socket: Socket, n: number) => void, subprotocol?: string): Promise<number> {
  return listen(
    createNetServer((socket) => {
      socket.on('error', () => undefined);
      let open = false;
      let n = 0;
      socket.on('data', (data) => {
        if (open) return onMessage(socket, ++n);
        const key = /sec-websocket-key:\s*(\S+)/i.exec(data.toString('latin1'))?.[1] ?? '';
        const accept = createHash('sha1')
          .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Accept: ${accept}\r\n${subprotocol ? `Sec-WebSocket-Protocol: ${subprotocol}\r\n` : ''}\r\n`,
        );
        open = true;
      });
    }),
  );
}

/** An unmasked frame header: `opcode`, FIN or not, a 64-bit payload length. */
function frameHeader(opcode: number, fin: boolean, length: number): Buffer {
  const h = Buffer.alloc(10);
  h[0] = (fin ? 0x80 : 0) | opcode;
  h[1] = 127;
  h.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  h.writeUInt32BE(length % 2 ** 32, 6);
  return h;
}

function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

describe('WebSocket clients: messages over the bound are oversize', () => {
  // 80 MiB: over the bound, under ws's own default (100 MiB), so the bound is commbench's.
  const big = 80 * 1024 * 1024;
  const announcing = rawWebSocket((socket) => socket.write(frameHeader(1, true, big)));

  it('ws (the default client): a message announced over 64 MiB', async () => {
    const url = new URL(`ws://127.0.0.1:${await announcing}`);
    const client = await websocketPattern.connect({
      ...ctxBase,
      url,
      options: websocketPattern.options.parse({ mode: 'echo' }),
    });
    const err = await sendError(client);
    assert.equal(err.kind, 'oversize', err.message);
  });

  it("a user's own WebSocket (request): a message announced over 64 MiB", async () => {
    const url = new URL(`ws://127.0.0.1:${await announcing}/`);
    const client = await websocketPattern.connect({
      ...ctxBase,
      url,
      options: websocketPattern.options.parse({}),
      request: { message: 'hello {{seq}}', answer: 'next' },
    });
    const err = await sendError(client);
    assert.equal(err.kind, 'oversize', err.message);
  });

  it('the lean net client: fragments that add up to more than 64 MiB', async () => {
    // Each fragment is small; only their sum is over the bound.
    const fragment = Buffer.alloc(1024 * 1024, 0x61);
    const port = await rawWebSocket((socket, n) => {
      if (n > 1) return;
      let i = 0;
      endless(
        (c) => socket.write(Buffer.concat([frameHeader(i++ === 0 ? 1 : 0, false, c.length), c])),
        (cb) => socket.once('drain', cb),
        () => !socket.destroyed && i * fragment.length <= maxResponseBytes + 2 * fragment.length,
      );
    });
    const client = await websocketPattern.connect({
      ...ctxBase,
      url: new URL(`ws://127.0.0.1:${port}`),
      options: websocketPattern.options.parse({ mode: 'echo', client: 'net' }),
    });
    const err = await sendError(client);
    assert.equal(err.kind, 'oversize', err.message);
  });

  it('graphql-ws: a message announced over 64 MiB', async () => {
    const port = await rawWebSocket(
      (socket, n) =>
        socket.write(n === 1 ? textFrame('{"type":"connection_ack"}') : frameHeader(1, true, big)),
      'graphql-transport-ws',
    );
    const client = await graphqlWsPattern.connect({
      ...ctxBase,
      url: new URL(`ws://127.0.0.1:${port}/graphql`),
      options: graphqlWsPattern.options.parse({}),
    });
    const err = await sendError(client);
    assert.equal(err.kind, 'oversize', err.message);
  });
});

describe('HTTP/1.1 subscribers: an event or a poll over the bound is oversize', () => {
  it('SSE: an event without end is a window error of kind oversize, not a growing buffer', async () => {
    const port = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: ');
        endless(
          (c) => res.write(c),
          (cb) => res.once('drain', cb),
          () => !res.destroyed,
        );
      }),
    );
    const seen: { why: string; kind: string }[] = [];
    let got: () => void = () => undefined;
    const oversize = new Promise<void>((resolve) => (got = resolve));
    const sub = await ssePattern.subscribe!({
      url: new URL(`http://127.0.0.1:${port}`),
      options: ssePattern.options.parse({}),
      index: 0,
      timeoutMs: 8000,
      deliver: () => undefined,
      invalid: (why, kind = 'protocol') => {
        seen.push({ why, kind });
        got();
      },
    });
    const timer = setTimeout(got, 15_000);
    await oversize;
    clearTimeout(timer);
    await sub.close();
    assert.equal(seen[0]?.kind, 'oversize', JSON.stringify(seen));
    assert.match(seen[0]?.why ?? '', /^an SSE event over [\d,]+ bytes, more than the 64 MiB a client reads/);
  });

  it('poll: an answer announced over 64 MiB fails the poll as oversize, not at the body timeout', async () => {
    const port = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 ** 30) });
        res.write('{"cursor"');
      }),
    );
    const started = Date.now();
    const err = await pollPattern.subscribe!({
      url: new URL(`http://127.0.0.1:${port}`),
      options: pollPattern.options.parse({}),
      index: 0,
      timeoutMs: 8000,
      deliver: () => undefined,
    }).then(
      () => assert.fail('the subscription opened'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OpError, String(err));
    assert.equal(err.kind, 'oversize', err.message);
    assert.ok(Date.now() - started < 8000, `${Date.now() - started} ms`);
  });
});
