/**
 * Interop of the frames gRPC client (client: frames, commbench's own HTTP/2 framing): against the
 * real grpc-js server under stream limits and flow control, against an independent gRPC server
 * (python grpcio: gRPC's C core, its own HTTP/2 and HPACK), and against node:http2 servers written
 * here that reset streams, send GOAWAY, ping, churn the HPACK dynamic table and speak HTTP/1.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import {
  constants,
  createServer as createH2Server,
  sensitiveHeaders,
  type Http2Server,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { makeRecord, withSeq, type EchoRecord } from '../../src/message.js';
import grpcPattern from '../../src/patterns/grpc/index.js';
import { echoCodec, unaryPath } from '../../src/patterns/grpc/proto.js';
import { OpError, type PatternClient, type RunningServer } from '../../src/toolkit/contract.js';

interface Metered {
  client: PatternClient;
  ops: () => number;
}

async function connectFrames(url: string, inFlight = 1, timeoutMs = 5000): Promise<Metered> {
  let ops = 0;
  const client = await grpcPattern.connect({
    url: new URL(url),
    options: grpcPattern.options.parse({ client: 'frames' }),
    index: 0,
    inFlight,
    timeoutMs,
    payload: { add: () => void ops++ },
  });
  return { client, ops: () => ops };
}

const rejection = (p: Promise<void>): Promise<OpError> =>
  p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => {
      assert.ok(e instanceof OpError, `an OpError, not ${String(e)}`);
      return e;
    },
  );

/** `count` calls with `inFlight` outstanding, every `verifyEvery`-th compared field by field. */
async function drive(
  client: PatternClient,
  base: EchoRecord,
  count: number,
  inFlight: number,
  verifyEvery = 3,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const seq = 1 + next++;
        await client.send(withSeq(base, seq), seq % verifyEvery === 0);
      }
    }),
  );
}

describe('interop: the frames gRPC client against the grpc-js server', () => {
  let server: RunningServer;
  before(async () => {
    server = await grpcPattern.startServer({
      host: '127.0.0.1',
      port: 0,
      options: grpcPattern.options.parse({ maxConcurrentStreams: 2 }),
      delayMs: 0,
    });
  });
  after(() => server.stop());

  it('keeps to MAX_CONCURRENT_STREAMS 2 with 8 calls in flight; seq 0 and seq ≥ 2^28 varints', async () => {
    const { client, ops } = await connectFrames(server.url, 8);
    try {
      await drive(client, makeRecord(700), 200, 8);
      await client.send(withSeq(makeRecord(64), 0), true);
      await client.send(withSeq(makeRecord(64), 2 ** 32 - 1), true);
      assert.equal(ops(), 202);
    } finally {
      await client.close();
    }
  });

  it('sends 256 KiB messages in 16 KiB frames within the windows, and returns the receive window (20 MiB)', async () => {
    const { client, ops } = await connectFrames(server.url, 4, 20_000);
    try {
      await drive(client, makeRecord(256 * 1024), 80, 4, 10);
      assert.equal(ops(), 80);
    } finally {
      await client.close();
    }
  });
});

const python = '/usr/bin/python3';
const pythonServer = fileURLToPath(new URL('servers/grpc_echo.py', import.meta.url));

/** Starts the python grpcio echo server; resolves with its URL, or undefined when grpcio is missing. */
function startPython(): Promise<{ url: string; child: ChildProcess } | undefined> {
  if (!existsSync(python)) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const child = spawn(python, [pythonServer], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const port = /^(\d+)\n/.exec(out)?.[1];
      if (port) resolve({ url: `grpc://127.0.0.1:${port}`, child });
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (/No module named 'grpc'/.test(err)) resolve(undefined);
      else reject(new Error(`python gRPC server exited with ${code}: ${err.trim()}`));
    });
  });
}

describe('interop: the frames gRPC client against python grpcio (gRPC C core)', () => {
  let server: { url: string; child: ChildProcess } | undefined;
  before(async () => {
    server = await startPython();
  });
  after(() => {
    server?.child.stdin?.end();
    server?.child.kill();
  });

  const needPython = (t: { skip(m: string): void }): boolean => {
    if (server) return true;
    const hint = 'python3-grpcio is not installed: apt-get install python3-grpcio';
    if (process.env.CI === 'true') assert.fail(`${hint} (CI must have it)`);
    t.skip(hint);
    return false;
  };

  it('echoes 300 calls at 8 in flight and 128 KiB messages, checked field by field', async (t) => {
    if (!needPython(t)) return;
    const { client, ops } = await connectFrames((server as { url: string }).url, 8);
    try {
      await drive(client, makeRecord(1024), 300, 8);
      await drive(client, makeRecord(128 * 1024), 12, 4, 1);
      assert.equal(ops(), 312);
    } finally {
      await client.close();
    }
  });

  it("reads C core's grpc-status and percent-encoded grpc-message", async (t) => {
    if (!needPython(t)) return;
    const { client } = await connectFrames((server as { url: string }).url);
    try {
      const err = await rejection(client.send({ ...withSeq(makeRecord(64), 5), name: 'please-fail' }, false));
      assert.equal(err.kind, 'protocol');
      assert.equal(err.message, 'grpc-status 8: no room: 100% full ✓');
      await client.send(withSeq(makeRecord(64), 6), true); // the connection is still good
    } finally {
      await client.close();
    }
  });
});

/** A node:http2 (nghttp2) gRPC server written here; `answer` decides per call by its seq. */
async function h2Server(
  answer: (
    stream: ServerHttp2Stream,
    record: EchoRecord,
    message: Buffer,
    session: ServerHttp2Session,
  ) => void,
): Promise<{ url: string; server: Http2Server; sessions: ServerHttp2Session[] }> {
  const server = createH2Server();
  const sessions: ServerHttp2Session[] = [];
  server.on('session', (s) => sessions.push(s));
  server.on('stream', (stream, headers) => {
    assert.equal(headers[':path'], unaryPath);
    assert.equal(headers['content-type'], 'application/grpc');
    assert.equal(headers.te, 'trailers');
    stream.on('error', () => undefined); // the streams this server resets itself
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const frame = Buffer.concat(chunks);
      const message = frame.subarray(5);
      const record = echoCodec().decode(message) as EchoRecord;
      answer(stream, { ...record, seq: record.seq ?? 0 }, frame, stream.session as ServerHttp2Session);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `grpc://127.0.0.1:${port}`, server, sessions };
}

function echo(stream: ServerHttp2Stream, frame: Buffer, trailers: Record<string, string> = {}): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', ...trailers }));
  stream.end(frame);
}

async function stop(s: { server: Http2Server; sessions: ServerHttp2Session[] }): Promise<void> {
  for (const session of s.sessions) session.destroy();
  await new Promise<void>((resolve) => s.server.close(() => resolve()));
}

describe('interop: the frames gRPC client against node:http2 servers written here', () => {
  it('decodes trailers that churn the HPACK dynamic table (evictions, Huffman, never-indexed)', async () => {
    let n = 0;
    const s = await h2Server((stream, _record, frame) => {
      n++;
      // Values of 300–1100 bytes: a few fill the 4 KiB table, so entries are evicted all the time.
      const pad = `v${n}-`.padEnd(300 + ((n * 137) % 800), String.fromCharCode(97 + (n % 26)));
      const trailers: Record<string, string> = { [`x-pad-${n % 7}`]: pad, 'x-same': 'constant value' };
      if (n % 5 === 0) {
        // A never-indexed field (0001 prefix) among the response headers.
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'x-secret': `never indexed ${n}`,
            [sensitiveHeaders]: ['x-secret'],
          },
          { waitForTrailers: true },
        );
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', ...trailers }));
        stream.end(frame);
      } else echo(stream, frame, trailers);
    });
    const { client, ops } = await connectFrames(s.url, 4);
    try {
      await drive(client, makeRecord(512), 120, 4);
      assert.equal(ops(), 120);
    } finally {
      await client.close();
      await stop(s);
    }
  });

  it('fails a reset stream, a non-OK status and a non-200 status with clear errors; the connection lives on', async () => {
    const s = await h2Server((stream, record, frame) => {
      if (record.seq === 1) stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      else if (record.seq === 2) {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': '3',
            'grpc-message': 'bad%20seq%202',
          },
          { endStream: true },
        );
      } else if (record.seq === 3) stream.respond({ ':status': 503 }, { endStream: true });
      else if (record.seq === 4) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.concat([frame, frame])); // two messages for a unary call
      } else echo(stream, frame);
    });
    const { client } = await connectFrames(s.url);
    try {
      const base = makeRecord(128);
      const reset = await rejection(client.send(withSeq(base, 1), false));
      assert.equal(reset.kind, 'protocol');
      assert.match(reset.message, /RST_STREAM ENHANCE_YOUR_CALM/);
      const status = await rejection(client.send(withSeq(base, 2), false));
      assert.equal(status.message, 'grpc-status 3: bad seq 2');
      const http = await rejection(client.send(withSeq(base, 3), false));
      assert.match(http.message, /HTTP status 503/);
      const two = await rejection(client.send(withSeq(base, 4), false));
      assert.match(two.message, /not one length-prefixed gRPC message/);
      await client.send(withSeq(base, 5), true);
    } finally {
      await client.close();
      await stop(s);
    }
  });

  it("answers the server's PING, and after its GOAWAY fails new calls with the reason", async () => {
    let session: ServerHttp2Session | undefined;
    const s = await h2Server((stream, _record, frame, sess) => {
      session = sess;
      echo(stream, frame);
    });
    const { client } = await connectFrames(s.url);
    try {
      await client.send(withSeq(makeRecord(64), 1), true);
      const live = session as ServerHttp2Session;
      const rtt = await new Promise<number>((resolve, reject) =>
        live.ping((err, ms) => (err ? reject(err) : resolve(ms))),
      );
      assert.ok(rtt >= 0);
      live.goaway(constants.NGHTTP2_NO_ERROR, 1, Buffer.from('going away'));
      await new Promise((r) => setTimeout(r, 100));
      const err = await rejection(client.send(withSeq(makeRecord(64), 2), false));
      assert.equal(err.kind, 'connection');
      assert.match(err.message, /GOAWAY \(NO_ERROR: going away\)/);
    } finally {
      await client.close();
      await stop(s);
    }
  });

  it('times out a call the server never answers and cancels its stream', async () => {
    const cancelled: number[] = [];
    const s = await h2Server((stream, record, frame) => {
      if (record.seq === 1) {
        stream.on('close', () => cancelled.push(stream.rstCode));
        return; // never answered
      }
      echo(stream, frame);
    });
    const { client } = await connectFrames(s.url, 1, 300);
    try {
      const err = await rejection(client.send(withSeq(makeRecord(64), 1), false));
      assert.equal(err.kind, 'timeout');
      await client.send(withSeq(makeRecord(64), 2), true);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(cancelled, [constants.NGHTTP2_CANCEL]);
    } finally {
      await client.close();
      await stop(s);
    }
  });

  it('says so when the server speaks HTTP/1.1, not HTTP/2', async () => {
    const server = createHttpServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const err = await rejection(connectFrames(`grpc://127.0.0.1:${port}`).then(() => undefined));
      assert.equal(err.kind, 'protocol');
      assert.match(err.message, /is not an HTTP\/2 \(h2c\) server/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
