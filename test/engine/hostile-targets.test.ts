import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { runCase } from '../../src/engine/runner.js';
import type { RequestSpec } from '../../src/plan/request.js';
import { caseSpec } from './helpers.js';

// Servers that answer the probe and the warm-up, then fail every way a real one can: the measured
// window has no successful operation, and the case must fail (never `ok` with 0 ops/s and p50 0).
const good = 30;
const short = { durationMs: 800, warmupMs: 600, timeoutMs: 5000 };
const post: RequestSpec = { method: 'POST', body: 'x' };

const servers: { close(): void }[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function listen(server: HttpServer | NetServer): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return `http://127.0.0.1:${address.port}/`;
}

/** HTTP/1.1 answers `good` requests with 200, then `then(res)` (500, or nothing at all). */
function httpServer(then: (res: ServerResponse) => void): Promise<string> {
  let n = 0;
  return listen(
    createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => (++n <= good ? res.end('ok') : then(res)));
    }),
  );
}

/** Raw TCP: a well-formed 200 for `good` requests, then `bad(socket)` for every later one. */
function rawServer(bad: (socket: Socket) => void): Promise<string> {
  let n = 0;
  return listen(
    createNetServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('data', () =>
        ++n <= good ? socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok') : bad(socket),
      );
    }),
  );
}

describe('a target that stops succeeding fails its case, counting what happened', () => {
  it('200 then only HTTP 500: failed (E_NO_SUCCESS), the 500s counted as protocol errors', async () => {
    const url = await httpServer((res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const result = await runCase(caseSpec({ pattern: 'rest', ...short, target: url, request: post }));
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'E_NO_SUCCESS');
    assert.match(result.error?.message ?? '', /no operation succeeded .*protocol errors? \(e\.g\. "HTTP 500/);
    const m = result.summary;
    assert.ok(m, 'the window is kept');
    assert.equal(m.ops, 0);
    assert.equal(m.latency.count, 0);
    assert.ok(m.errors.protocol > 0 && m.errors.total === m.errors.protocol);
  });

  it('200 then only HTTP 500 with the good answers inside the window: failed, most operations failed', async () => {
    const url = await httpServer((res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const result = await runCase(
      caseSpec({ pattern: 'rest', ...short, warmupMs: 0, target: url, request: post }),
    );
    assert.equal(result.status, 'failed', `${result.status}: ${result.summary?.errors.total} errors`);
    assert.equal(result.error?.code, 'E_NO_SUCCESS');
    assert.match(result.error?.message ?? '', /most operations failed .*protocol errors? \(e\.g\. "HTTP 500/);
    assert.ok((result.summary?.ops ?? 0) > 0, 'some answers succeeded in the window');
  });

  it('a server that stops answering: failed, the operations in flight at the window end counted', async () => {
    const url = await httpServer(() => undefined);
    // The op timeout is longer than the window: no timeout falls inside it.
    const result = await runCase(
      caseSpec({ pattern: 'rest', ...short, timeoutMs: 3000, target: url, request: post }),
    );
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'E_NO_SUCCESS');
    assert.match(result.error?.message ?? '', /4 operations in flight at the window's end/);
    assert.equal(result.summary?.unansweredAtEnd, 4, 'closed c=4: four operations stalled');
  });

  it('answers in the window, then stops answering (closed loop): failed as a stall, the successes kept', async () => {
    // More successes than failures (the in-flight ones time out after the window): the old rules passed it.
    const url = await httpServer(() => undefined);
    const result = await runCase(
      caseSpec({ pattern: 'rest', ...short, warmupMs: 0, timeoutMs: 3000, target: url, request: post }),
    );
    assert.equal(result.status, 'failed', JSON.stringify(result.summary?.errors));
    assert.equal(result.error?.code, 'E_NO_SUCCESS');
    assert.match(
      result.error?.message ?? '',
      /^the server stopped answering: no operation succeeded in the last [\d.]+m?s of the 800ms window, 4 operations in flight at its end never answered \(\d+ succeeded before/,
    );
    const m = result.summary;
    assert.ok(m && m.ops > m.errors.total, `${m?.ops} ok, ${m?.errors.total} failed`);
    assert.ok((m.quietAtEndMs ?? 0) > 400, `quiet ${m.quietAtEndMs} ms`);
  });

  it('answers most of an open-loop window, then stops answering: failed as a stall', async () => {
    // 100/s for 2 s: the first 150 answered, the rest never; 150 ok against ~50 failed.
    let n = 0;
    const url = await listen(
      createHttpServer((req, res) => {
        req.resume();
        req.on('end', () => (++n <= 150 ? res.end('ok') : undefined));
      }),
    );
    const result = await runCase(
      caseSpec({
        pattern: 'rest',
        ...short,
        durationMs: 2000,
        warmupMs: 0,
        timeoutMs: 1000,
        load: { model: 'rate', rate: 100, connections: 4, inFlight: 1, maxInFlight: 1000 },
        target: url,
        request: post,
      }),
    );
    const m = result.summary;
    assert.equal(result.status, 'failed', `${m?.ops} ok, ${JSON.stringify(m?.errors)}`);
    assert.ok(m && m.ops > m.errors.total, `${m?.ops} ok, ${m?.errors.total} failed`);
    assert.match(
      result.error?.message ?? '',
      /^the server stopped answering: .* of the 2s window, 4 operations in flight/,
    );
  });

  it('garbage replies: failed, protocol errors', async () => {
    const url = await rawServer((s) => s.write('\x00\x01garbage\r\n\r\n'));
    const result = await runCase(caseSpec({ pattern: 'rest', ...short, target: url, request: post }));
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'E_NO_SUCCESS');
    assert.ok((result.summary?.errors.protocol ?? 0) > 0, JSON.stringify(result.summary?.errors));
  });

  it('headers then close: failed, connection errors', async () => {
    const url = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n');
      s.destroy();
    });
    const result = await runCase(caseSpec({ pattern: 'rest', ...short, target: url, request: post }));
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'E_NO_SUCCESS');
    assert.ok((result.summary?.errors.total ?? 0) > 0, JSON.stringify(result.summary?.errors));
  });

  it('a WebSocket closed with 1011 after the warm-up: failed', async () => {
    const http = createHttpServer();
    const url = (await listen(http)).replace('http:', 'ws:');
    const wss = new WebSocketServer({ server: http });
    let n = 0;
    wss.on('connection', (ws) => {
      ws.on('message', (data) => (++n <= good ? ws.send(data) : ws.close(1011, 'internal error')));
    });
    const result = await runCase(
      caseSpec({
        pattern: 'websocket',
        ...short,
        timeoutMs: 3000,
        target: url,
        request: { message: 'hello {{seq}}', answer: 'next' },
      }),
    );
    wss.close();
    assert.equal(result.status, 'failed', JSON.stringify(result.error));
    assert.equal(result.error?.code, 'E_NO_SUCCESS');
  });

  it('an endless chunked body: the operation fails as oversize at 64 MiB, the driver memory bounded', async () => {
    // One framed 1 MiB chunk, written again and again (the server shares the test's event loop).
    const data = Buffer.alloc(1024 * 1024, 0x61);
    const chunk = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
    const url = await listen(
      createNetServer((s) => {
        s.on('error', () => undefined);
        s.once('data', () => {
          s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
          const more = (): void => {
            while (!s.destroyed && s.write(chunk));
            if (!s.destroyed) s.once('drain', more);
          };
          more();
        });
      }),
    );
    const started = Date.now();
    const result = await runCase(
      caseSpec({
        pattern: 'rest',
        ...short,
        timeoutMs: 20_000,
        load: { model: 'closed', connections: 1, inFlight: 1 },
        target: url,
        request: post,
      }),
    );
    // The first request (the probe) already fails: a clear message, not a timeout.
    assert.equal(result.status, 'failed');
    assert.match(
      result.error?.message ?? '',
      /response over [\d,]+ bytes, more than the 64 MiB a client reads/,
    );
    assert.ok(Date.now() - started < 15_000, 'failed at the bound, not at the op timeout');
    const maxRssMiB = process.resourceUsage().maxRSS / 1024;
    assert.ok(maxRssMiB < 1024, `driver peak RSS ${Math.round(maxRssMiB)} MiB`);
  });

  it('a 1 GiB Content-Length (lean rest client): refused at the head, not read', async () => {
    const url = await listen(
      createNetServer((s) => {
        s.on('error', () => undefined);
        s.on('data', () => s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${2 ** 30}\r\n\r\n`));
      }),
    );
    const result = await runCase(caseSpec({ pattern: 'rest', ...short, target: url }));
    assert.equal(result.status, 'failed');
    assert.match(
      result.error?.message ?? '',
      /response of 1,073,741,824 bytes, more than the 64 MiB a client reads/,
    );
  });
});

describe('a push target whose stream cannot be read', () => {
  it('SSE events whose data is not a record: protocol errors with a sample, not silently lost', async () => {
    // Publishes are acknowledged properly; the event stream carries only unreadable events.
    const url = await listen(
      createHttpServer((req, res) => {
        if (req.method === 'POST') {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            const seq = (JSON.parse(Buffer.concat(chunks).toString()) as { seq: number }).seq;
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ seq }));
          });
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(() => res.write('data: {not json\n\n'), 20);
        res.on('close', () => clearInterval(timer));
      }),
    );
    const result = await runCase(
      caseSpec({
        pattern: 'sse',
        ...short,
        timeoutMs: 1000,
        target: url,
        load: { model: 'rate', rate: 50, connections: 1, inFlight: 1, maxInFlight: 100, subscribers: 1 },
      }),
    );
    const m = result.summary;
    assert.ok(m, result.error?.message);
    assert.ok(m.errors.protocol > 0, `protocol errors ${m.errors.protocol}`);
    assert.match(m.errorSamples.protocol ?? '', /SSE event whose data is not a JSON record/);
    assert.notEqual(result.status, 'ok', 'no delivery at all: the case fails');
  });
});
