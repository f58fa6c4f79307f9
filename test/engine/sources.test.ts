import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { createServer as createHttpServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { makeRecord, withSeq } from '../../src/message.js';
import { loadPattern } from '../../src/patterns/registry.js';
import { epochNow, fromEpoch } from '../../src/engine/clock.js';
import { connectDriver } from '../../src/engine/driver.js';
import { sourceAddress, sourceAddressCount } from '../../src/engine/sources.js';
import { openSocket, terminate } from '../../src/patterns/websocket/client.js';

const rest = await loadPattern('rest');
const sse = await loadPattern('sse');

describe('source addresses', () => {
  it('bind connections past the first 20,000 to 127.0.0.2, 127.0.0.3, … for IPv4 loopback only', () => {
    const url = new URL('ws://127.0.0.1:9000');
    assert.equal(sourceAddress(url, 0), undefined);
    assert.equal(sourceAddress(url, 19_999), undefined);
    assert.equal(sourceAddress(url, 20_000), '127.0.0.2');
    assert.equal(sourceAddress(url, 99_999), '127.0.0.5');
    assert.equal(sourceAddressCount(url, 100_000), 5);
    assert.equal(sourceAddress(new URL('ws://[::1]:9000'), 50_000), undefined);
    assert.equal(sourceAddress(new URL('ws://10.0.0.1:9000'), 50_000), undefined);
    assert.equal(sourceAddressCount(new URL('ws://10.0.0.1:9000'), 100_000), 1);
  });

  it('the driver connects from them: a server written here sees each address on its share', async () => {
    const seen: string[] = [];
    const sockets = new Set<Socket>();
    // The tcp pattern's frames come back byte for byte: a pipe is its echo server.
    const server = createServer((s) => {
      seen.push(s.remoteAddress ?? '?');
      sockets.add(s);
      s.pipe(s);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const driver = await connectDriver({
        pattern: 'tcp',
        options: {},
        url: `tcp://127.0.0.1:${port}`,
        load: { model: 'closed', connections: 5, inFlight: 1 },
        payload: { size: 64, shape: 'mixed' },
        timeoutMs: 2000,
        verifyEvery: 1,
        warmupMs: 0,
        durationMs: 300,
        connectionOffset: 0,
        perSourceAddress: 2,
      });
      const report = await driver.run(fromEpoch(epochNow() + 20));
      await driver.close();
      assert.ok(report.ops > 0);
      assert.equal(report.errors.connection, 0);
      assert.deepEqual(seen.sort(), ['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2', '127.0.0.3']);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a WebSocket binds to its source address (ws passes localAddress to the socket)', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const remote = new Promise<string | undefined>((resolve) =>
      wss.once('connection', (_ws, req) => resolve(req.socket.remoteAddress)),
    );
    const { port } = wss.address() as AddressInfo;
    const socket = await openSocket(new URL(`ws://127.0.0.1:${port}/`), 2000, undefined, '127.0.0.7');
    try {
      assert.equal(await remote, '127.0.0.7');
    } finally {
      await terminate(socket);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  });

  it('HTTP/1.1 clients bind too: rest over undici and over node:net, and an SSE subscriber', async () => {
    const seen: string[] = [];
    const server = createHttpServer((req, res) => {
      seen.push(`${req.url} ${req.socket.remoteAddress}`);
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': hello\n\n');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const url = new URL(`http://127.0.0.1:${port}`);
    const payload = { add: () => undefined };
    const closers: (() => Promise<void>)[] = [];
    try {
      for (const [client, address] of [
        ['undici', '127.0.0.4'],
        ['net', '127.0.0.5'],
      ] as const) {
        const c = await rest.connect({
          url: new URL('/echo', url),
          options: rest.options.parse({ client }),
          index: 0,
          localAddress: address,
          inFlight: 1,
          timeoutMs: 2000,
          payload,
        });
        closers.push(() => c.close());
        await c.send(withSeq(makeRecord(64, 'mixed'), 1), true);
      }
      const sub = await sse.subscribe?.({
        url,
        options: sse.options.parse({}),
        index: 0,
        localAddress: '127.0.0.6',
        timeoutMs: 2000,
        deliver: () => undefined,
      });
      if (sub) closers.push(() => sub.close());
      const addresses = seen.map((line) => line.split(' ')[1]);
      assert.deepEqual(addresses.sort(), ['127.0.0.4', '127.0.0.5', '127.0.0.6'], seen.join(', '));
    } finally {
      await Promise.allSettled(closers.map((close) => close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
