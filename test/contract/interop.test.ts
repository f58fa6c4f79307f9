/**
 * Interop: each server of rest-h2, graphql and grpc's streaming RPCs answered a client that the
 * pattern's own client code did not write (undici, node:http2 with hand-made gRPC frames, plain
 * fetch, graphql-http's audit suite); and the lean rest client talked to HTTP/1.1 servers commbench
 * did not write (a plain node:http server, nginx).
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { connect as h2connect, constants, type ClientHttp2Session } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { auditServer } from 'graphql-http';
import { Client, request } from 'undici';
import { WebSocketServer } from 'ws';
import { makeRecord, recordsEqual, withSeq, type EchoRecord } from '../../src/message.js';
import graphqlPattern from '../../src/patterns/graphql/index.js';
import grpcPattern from '../../src/patterns/grpc/index.js';
import {
  bidiStreamPath,
  echoCodec,
  serverStreamPath,
  streamRequestCodec,
} from '../../src/patterns/grpc/proto.js';
import { findNginx } from '../../src/hops/nginx.js';
import restPatternImport from '../../src/patterns/rest/index.js';
import restH2Pattern from '../../src/patterns/rest-h2/index.js';
import restProxyPattern from '../../src/patterns/rest-proxy/index.js';
import type { OpError, PatternCode, RunningServer } from '../../src/toolkit/contract.js';
import websocketPattern from '../../src/patterns/websocket/index.js';

function start<O>(pattern: PatternCode<O>, options: Record<string, unknown> = {}): Promise<RunningServer> {
  return pattern.startServer({
    host: '127.0.0.1',
    port: 0,
    options: pattern.options.parse(options),
    delayMs: 0,
  });
}

const record = withSeq(makeRecord(512), 42);

describe('interop: rest-h2 server', () => {
  for (const tls of [false, true]) {
    it(`answers undici (allowH2${tls ? ', TLS' : ', h2c'}) over HTTP/2`, async () => {
      const server = await start(restH2Pattern, { tls });
      const url = new URL(server.url);
      const dispatcher = new Client(url.origin, {
        allowH2: true,
        ...(tls ? { connect: { rejectUnauthorized: false } } : { useH2c: true }),
      });
      try {
        const res = await request(`${url.origin}/echo`, {
          method: 'POST',
          body: JSON.stringify(record),
          headers: { 'content-type': 'application/json' },
          dispatcher,
        });
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['content-type'], 'application/json');
        assert.ok(recordsEqual((await res.body.json()) as EchoRecord, record));
        const missing = await request(`${url.origin}/nope`, { method: 'POST', body: '{}', dispatcher });
        assert.equal(missing.statusCode, 404);
        await missing.body.dump();
      } finally {
        await dispatcher.close();
        await server.stop();
      }
    });
  }

  it('speaks h2 only (ALPN h2 with TLS; an HTTP/1.1 request over h2c is refused)', async () => {
    const server = await start(restH2Pattern);
    try {
      const res = await fetch(`${server.url}/echo`, { method: 'POST', body: JSON.stringify(record) }).then(
        (r) => r.status,
        () => 'refused',
      );
      assert.notEqual(res, 200);
    } finally {
      await server.stop();
    }
  });
});

/** Frames one gRPC message: 1 byte compressed flag, 4 bytes big-endian length, the message. */
function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

function grpcMessages(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 5 <= data.length;) {
    const length = data.readUInt32BE(at + 1);
    out.push(data.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
}

/** A raw HTTP/2 gRPC call with node:http2 (no grpc-js): writes `messages`, returns the response messages and grpc-status. */
function rawGrpcCall(
  session: ClientHttp2Session,
  path: string,
  messages: Buffer[],
): Promise<{ messages: Buffer[]; status: string | undefined }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: path,
      'content-type': 'application/grpc+proto',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('trailers', (trailers) => {
      status = String(trailers['grpc-status']);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve({ messages: grpcMessages(Buffer.concat(chunks)), status }));
    for (const m of messages) stream.write(grpcFrame(m));
    stream.end();
  });
}

describe('interop: grpc streaming RPCs with hand-made gRPC frames over node:http2', () => {
  let server: RunningServer;
  let session: ClientHttp2Session;
  before(async () => {
    server = await start(grpcPattern);
    session = h2connect(`http://${new URL(server.url).host}`);
  });
  after(async () => {
    session.close();
    await server.stop();
  });

  it('ServerStream sends `messages` copies, then grpc-status 0', async () => {
    const request = streamRequestCodec().encode({ record, messages: 3 });
    const { messages, status } = await rawGrpcCall(session, serverStreamPath, [request]);
    assert.equal(status, '0');
    assert.equal(messages.length, 3);
    for (const m of messages) assert.ok(recordsEqual(echoCodec().decode(m), record));
  });

  it('BidiStream echoes every message in order and ends after the client half-closes', async () => {
    const sent = [1, 2, 3, 4].map((seq) => withSeq(record, seq));
    const { messages, status } = await rawGrpcCall(
      session,
      bidiStreamPath,
      sent.map((r) => echoCodec().encode(r)),
    );
    assert.equal(status, '0');
    assert.deepEqual(
      messages.map((m) => echoCodec().decode(m).seq),
      [1, 2, 3, 4],
    );
  });
});

describe('interop: graphql server', () => {
  let server: RunningServer;
  let endpoint: string;
  before(async () => {
    server = await start(graphqlPattern);
    endpoint = `${server.url}/graphql`;
  });
  after(() => server.stop());

  it('answers a plain fetch with a selection of its own, and a GET query', async () => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({
        query: 'query ($r: EchoRecordInput!) { echo(input: $r) { text seq __typename } }',
        variables: { r: record },
      }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/graphql-response\+json/);
    assert.deepEqual(await res.json(), {
      data: { echo: { text: record.text, seq: 42, __typename: 'EchoRecord' } },
    });
    const query = '{ echo(input: {seq: 4294967295, name: "n", items: [], text: "t"}) { seq name } }';
    const get = await fetch(`${endpoint}?query=${encodeURIComponent(query)}`);
    assert.deepEqual(await get.json(), { data: { echo: { seq: 4294967295, name: 'n' } } });
  });

  it('rejects what the typed schema does not allow (unknown field, seq outside uint32)', async () => {
    const post = (query: string, variables: unknown) =>
      fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
    const unknown = await post('query ($r: EchoRecordInput!) { echo(input: $r) { nope } }', { r: record });
    assert.equal(unknown.status, 400);
    const negative = await post('query ($r: EchoRecordInput!) { echo(input: $r) { seq } }', {
      r: { ...record, seq: -1 },
    });
    // graphql-http reports a variable coercion failure in a 200 response without data.
    const body = (await negative.json()) as { data?: unknown; errors?: { message: string }[] };
    assert.equal(body.data, undefined);
    assert.match(body.errors?.[0]?.message ?? '', /UInt32 cannot represent -1/);
  });

  it("passes graphql-http's GraphQL-over-HTTP audit suite (every MUST)", async () => {
    const results = await auditServer({ url: endpoint });
    const failed = results.filter((r) => r.status === 'error');
    const notes = await Promise.all(
      failed.map(async (r) => `${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`),
    );
    assert.deepEqual(notes, []);
    assert.ok(results.length > 20, `${results.length} audits ran`);
  });
});

describe('interop: the lean rest client (client: net) against HTTP/1.1 servers commbench did not write', () => {
  const restPattern = restPatternImport;

  async function connectNet(url: string, inFlight = 1) {
    const metered = { ops: 0 };
    const client = await restPattern.connect({
      url: new URL(url),
      options: restPattern.options.parse({ client: 'net' }),
      index: 0,
      inFlight,
      timeoutMs: 3000,
      payload: { add: () => void metered.ops++ },
    });
    return { client, metered };
  }

  /** node:http echo written here: chunked (no Content-Length), and Connection: close every 3rd response. */
  async function plainServer(): Promise<{
    url: string;
    connections: () => number;
    stop: () => Promise<void>;
  }> {
    let responses = 0;
    let connections = 0;
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const close = ++responses % 3 === 0;
        res.writeHead(200, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) });
        // Two writes: node sends them as two chunks of a chunked body.
        res.write(body.slice(0, 10));
        res.end(body.slice(10));
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}`,
      connections: () => connections,
      stop: () =>
        new Promise((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }

  it('reads chunked responses from a plain node:http server and reconnects after Connection: close', async () => {
    const server = await plainServer();
    const { client, metered } = await connectNet(server.url);
    try {
      const failures: string[] = [];
      for (let seq = 1; seq <= 12; seq++) {
        // An op sent right after a Connection: close response may race the close: retried once.
        for (let attempt = 0; attempt < 2; attempt++) {
          try {
            await client.send(withSeq(record, seq), seq % 2 === 0);
            break;
          } catch (err) {
            if (attempt === 1 || (err as OpError).kind !== 'connection') failures.push(String(err));
          }
        }
      }
      assert.deepEqual(failures, []);
      assert.equal(metered.ops, 12);
      assert.ok(server.connections() >= 4, `reconnected (${server.connections()} connections)`);
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('passes through nginx (its own HTTP/1.1 parser and keep-alive) with pipelining', async (t) => {
    if (!findNginx()) {
      if (process.env.CI === 'true')
        assert.fail('nginx is not installed (CI must have it: apt-get install nginx)');
      return t.skip('nginx is not installed: apt-get install nginx');
    }
    const server = await restProxyPattern.startServer({
      host: '127.0.0.1',
      port: 0,
      options: restProxyPattern.options.parse({ proxy: 'nginx' }),
      delayMs: 0,
    });
    const { client, metered } = await connectNet(server.url, 4);
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => client.send(withSeq(makeRecord(2048), 100 + i), i % 5 === 0)),
      );
      assert.equal(metered.ops, 40);
      const err = await client.send(withSeq(record, 7), true).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.equal(err, undefined);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});

describe('interop: the lean websocket client (client: net) against a ws server written here', () => {
  it('answers pings, joins fragmented messages and reads 16-bit and 64-bit lengths', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/echo' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    let pongs = 0;
    wss.on('connection', (ws) => {
      ws.on('pong', () => pongs++);
      ws.on('message', (data: Buffer) => {
        ws.ping();
        const text = data.toString();
        const cut = Math.floor(text.length / 3);
        ws.send(text.slice(0, cut), { fin: false });
        ws.send(text.slice(cut), { fin: true });
      });
    });
    const { port } = wss.address() as { port: number };
    const meter = { ops: 0, bytes: 0 };
    const client = await websocketPattern.connect({
      url: new URL(`ws://127.0.0.1:${port}`),
      options: websocketPattern.options.parse({ client: 'net' }),
      index: 0,
      inFlight: 2,
      timeoutMs: 3000,
      payload: { add: (req: number) => void ((meter.ops += 1), (meter.bytes += req)) },
    });
    try {
      const sizes = [64, 1024, 70_000];
      await Promise.all(sizes.map((size, i) => client.send(withSeq(makeRecord(size), 10 + i), true)));
      assert.equal(meter.ops, 3);
      assert.ok(meter.bytes >= 64 + 1024 + 70_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(pongs, 3, 'every ping answered');
    } finally {
      await client.close();
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
