import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { jsonSize, makeRecord, withSeq, type EchoRecord, type MessageShape } from '../../src/message.js';
import { echoQuery } from '../../src/patterns/graphql/documents.js';
import { echoCodec, streamRequestCodec } from '../../src/patterns/grpc/proto.js';
import { loadPattern, type PatternName } from '../../src/patterns/registry.js';
import {
  isPush,
  OpError,
  type Pattern,
  type PatternClient,
  type RunningServer,
} from '../../src/toolkit/contract.js';
import { architectureOverheadPerOp, architecturePayloadSize, noWirePerCall } from './architecture.js';
import { claimsOverheadPerOp, claimsPayloadSize } from './claims.js';
import { faultyServers } from './faults.js';
import { isolationOverheadPerOp, isolationPayloadSize } from './isolation.js';
import { pushOverheadPerOp, pushPayloadSize } from './push.js';
import { queueOverheadPerOp, queuePayloadSize } from './queues.js';

type Options = Record<string, unknown>;

/**
 * Serialized request and response payload of one operation carrying `record`, as the pattern's
 * payload meter must count it (options as written in a scenario, unparsed).
 */
const payloadSize: Record<PatternName, (record: EchoRecord, options: Options) => [number, number]> = {
  ...architecturePayloadSize,
  ...pushPayloadSize,
  ...queuePayloadSize,
  ...claimsPayloadSize,
  ...isolationPayloadSize,
  tcp: (r) => [jsonSize(r), jsonSize(r)],
  rest: (r) => [jsonSize(r), jsonSize(r)],
  'rest-h2': (r) => [jsonSize(r), jsonSize(r)],
  graphql: (r, options) => {
    const narrow = options.selection === 'narrow';
    const query = echoQuery[narrow ? 'narrow' : 'full'];
    const echo = narrow ? { seq: r.seq, name: r.name } : r;
    return [
      Buffer.byteLength(JSON.stringify({ query, variables: { input: r } })),
      Buffer.byteLength(JSON.stringify({ data: { echo } })),
    ];
  },
  grpc: (r, options) => {
    const size = echoCodec().encode(r).length;
    if (options.mode !== 'server-stream') return [size, size];
    const messages = typeof options.messages === 'number' ? options.messages : 10;
    return [streamRequestCodec().encode({ record: r, messages }).length, messages * size];
  },
};

/** Plausible wire overhead per operation (request + response) beyond the payload, bytes: [min, max]. */
const overheadPerOp: Record<PatternName, [number, number]> = {
  ...architectureOverheadPerOp,
  ...pushOverheadPerOp,
  ...queueOverheadPerOp,
  ...claimsOverheadPerOp,
  ...isolationOverheadPerOp,
  tcp: [8, 8],
  rest: [100, 600],
  'rest-h2': [20, 600],
  graphql: [100, 700],
  grpc: [20, 600],
};

interface Meter {
  requests: number;
  requestBytes: number;
  responseBytes: number;
}

async function startServer(pattern: Pattern, options: Options, delayMs = 0): Promise<RunningServer> {
  return pattern.startServer({
    host: '127.0.0.1',
    port: 0,
    options: pattern.options.parse(options),
    delayMs,
  });
}

function connect(
  pattern: Pattern,
  options: Options,
  url: string,
  { inFlight = 1, timeoutMs = 5000, index = 0 } = {},
): Promise<{ client: PatternClient; meter: Meter }> {
  const meter: Meter = { requests: 0, requestBytes: 0, responseBytes: 0 };
  const payload = {
    add(requestBytes: number, responseBytes: number) {
      meter.requests++;
      meter.requestBytes += requestBytes;
      meter.responseBytes += responseBytes;
    },
  };
  return pattern
    .connect({
      url: new URL(url),
      options: pattern.options.parse(options),
      index,
      inFlight,
      timeoutMs,
      payload,
    })
    .then((client) => ({ client, meter }));
}

/** Sends `count` operations keeping `inFlight` outstanding; returns the records sent. */
async function drive(
  client: PatternClient,
  base: EchoRecord,
  count: number,
  inFlight: number,
  verify = true,
) {
  const sent: EchoRecord[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const record = withSeq(base, 1000 + next++);
        sent.push(record);
        await client.send(record, verify);
      }
    }),
  );
  return sent;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<OpError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof OpError, `expected an OpError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

/** Handle and request types held by the process (timers, sockets, servers), as sorted names. */
function resources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'Immediate' && r !== 'TTYWrap')
    .sort();
}

/** Resources once the previous test's closing handles are gone (two equal reads 30 ms apart). */
async function quietResources(): Promise<string[]> {
  let before = resources();
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 30));
    const now = resources();
    if (now.join() === before.join()) return now;
    before = now;
  }
  return before;
}

async function settlesTo(baseline: string[], withinMs = 1000): Promise<string[]> {
  const until = performance.now() + withinMs;
  let now = resources();
  while (now.join() !== baseline.join() && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    now = resources();
  }
  return now;
}

/**
 * Echo round trips of several sizes, shapes and depths with their payload byte accounting, and the
 * wire bytes of the client sockets against the payload plus plausible framing. Part of the contract;
 * the queue patterns run it on their own against real brokers (queues.test.ts).
 */
export function echoRoundTripSuite(name: PatternName, options: Options = {}): void {
  describe('echo round trip', () => {
    let pattern: Pattern;
    let server: RunningServer;
    before(async () => {
      pattern = await loadPattern(name);
      server = await startServer(pattern, options);
    });
    after(() => server.stop());

    const cases: [number, MessageShape][] = [
      [64, 'mixed'],
      [1024, 'mixed'],
      [1024, 'text'],
      [1024, 'items'],
      [65536, 'mixed'],
    ];
    for (const inFlight of [1, 8]) {
      for (const [size, shape] of cases) {
        it(`${size} B ${shape}, inFlight ${inFlight}, 3 connections`, async () => {
          const base = makeRecord(size, shape);
          const clients = await Promise.all(
            [0, 1, 2].map((index) => connect(pattern, options, server.url, { inFlight, index })),
          );
          try {
            const sent = await Promise.all(
              clients.map(({ client }) => drive(client, base, 3 * inFlight + 2, inFlight)),
            );
            for (const [i, { meter }] of clients.entries()) {
              const sizes = (sent[i] as EchoRecord[]).map((r) => payloadSize[name](r, options));
              assert.equal(meter.requests, 3 * inFlight + 2);
              assert.equal(
                meter.requestBytes,
                sizes.reduce((sum, [request]) => sum + request, 0),
                'request payload bytes',
              );
              assert.equal(
                meter.responseBytes,
                sizes.reduce((sum, [, response]) => sum + response, 0),
                'response payload bytes',
              );
            }
          } finally {
            await Promise.all(clients.map(({ client }) => client.close()));
          }
        });
      }
    }

    it('wire bytes on the client sockets cover the payload plus plausible framing', async () => {
      const sockets = new Set<Socket>();
      const onSocket = (message: unknown) => sockets.add((message as { socket: Socket }).socket);
      diagnostics.subscribe('net.client.socket', onSocket);
      const ops = 50;
      let meter: Meter;
      let wire = 0;
      try {
        const connected = await connect(pattern, options, server.url, { inFlight: 4 });
        meter = connected.meter;
        await drive(connected.client, makeRecord(1024), ops, 4, false);
        // A fire-and-forget publisher (amqp without confirms) has handed its last messages to the
        // client library, which writes them to the socket a moment later.
        await new Promise((resolve) => setTimeout(resolve, 30));
        for (const s of sockets) wire += s.bytesRead + s.bytesWritten;
        await connected.client.close();
      } finally {
        diagnostics.unsubscribe('net.client.socket', onSocket);
      }
      assert.ok(sockets.size >= 1, 'net.client.socket saw the client socket');
      const payload = noWirePerCall.has(name) ? 0 : meter.requestBytes + meter.responseBytes;
      const [min, max] = overheadPerOp[name];
      const overhead = (wire - payload) / ops;
      assert.ok(
        overhead >= min && overhead <= max,
        `wire ${wire} B - payload ${payload} B = ${overhead.toFixed(1)} B/op, expected ${min}..${max}`,
      );
    });
  });
}

/**
 * The contract every request-response pattern passes (docs/architecture.md, How to add a pattern): echo round trip, payload and
 * wire byte accounting, errors on a dead server, timeouts and mismatches, clean shutdown.
 */
export function contractSuite(name: PatternName, options: Options = {}): void {
  const title = Object.keys(options).length > 0 ? `${name} ${JSON.stringify(options)}` : name;
  describe(`pattern ${title}`, { timeout: 60_000 }, () => {
    let pattern: Pattern;
    before(async () => {
      pattern = await loadPattern(name);
    });

    echoRoundTripSuite(name, options);

    it('rejects promptly with OpError(connection) when nothing listens', async () => {
      const port = await freePort();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const baseline = await quietResources();
      const started = performance.now();
      try {
        let err: OpError;
        try {
          const { client } = await connect(pattern, options, `${pattern.scheme}://127.0.0.1:${port}`, {
            timeoutMs: 5000,
          });
          err = await rejection(client.send(withSeq(makeRecord(64), 1), true));
          await client.close();
        } catch (e) {
          assert.ok(e instanceof OpError, `expected an OpError, got ${String(e)}`);
          err = e;
        }
        assert.equal(err.kind, 'connection', err.message);
        assert.ok(performance.now() - started < 2000, 'within 2 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.deepEqual(unhandled, []);
        assert.deepEqual(await settlesTo(baseline), baseline, 'no handles left behind');
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it('rejects with OpError(timeout) when the server answers after timeoutMs', async () => {
      const server = await startServer(pattern, options, 600);
      const { client } = await connect(pattern, options, server.url, { timeoutMs: 150, inFlight: 2 });
      try {
        const started = performance.now();
        const errs = await Promise.all(
          [1, 2].map((seq) => rejection(client.send(withSeq(makeRecord(64), seq), true))),
        );
        const elapsed = performance.now() - started;
        for (const err of errs) assert.equal(err.kind, 'timeout', err.message);
        assert.ok(elapsed >= 140 && elapsed < 550, `timed out after ${elapsed.toFixed(0)} ms`);
      } finally {
        await client.close();
        await server.stop();
      }
    });

    describe('echo checks', () => {
      it('a different seq is a mismatch even without verify', async () => {
        const server = await faultyServers[name]((r) => ({ ...r, seq: r.seq + 1 }), options);
        const { client, meter } = await connect(pattern, options, server.url);
        try {
          const err = await rejection(client.send(withSeq(makeRecord(256), 7), false));
          assert.equal(err.kind, 'mismatch', err.message);
          assert.equal(meter.requests, 0, 'failed operations are not metered');
        } finally {
          await client.close();
          await server.stop();
        }
      });

      it('a changed field is a mismatch with verify, and passes without', async (t) => {
        // A publisher's ack carries only the seq: push content is checked by pushSuite.
        if (isPush(pattern, pattern.options.parse(options)))
          return t.skip('publisher acks carry only the seq');
        const server = await faultyServers[name](
          (r) => ({ ...r, name: `#${r.name}`, text: r.text.replace(/^./, '#') }),
          options,
        );
        const { client } = await connect(pattern, options, server.url);
        try {
          const err = await rejection(client.send(withSeq(makeRecord(256, 'text'), 8), true));
          assert.equal(err.kind, 'mismatch', err.message);
          await client.send(withSeq(makeRecord(256, 'text'), 9), false);
        } finally {
          await client.close();
          await server.stop();
        }
      });
    });

    describe('shutdown', () => {
      it('stop() resolves within 1 s with clients connected and requests pending', async () => {
        const baseline = await quietResources();
        const server = await startServer(pattern, options, 300);
        const clients = await Promise.all(
          [0, 1, 2].map((index) => connect(pattern, options, server.url, { index })),
        );
        const base = makeRecord(64);
        await Promise.all(clients.map(({ client }, i) => client.send(withSeq(base, i), true)));
        const pending = clients.map(({ client }, i) => rejection(client.send(withSeq(base, 10 + i), true)));
        await new Promise((resolve) => setTimeout(resolve, 50));
        const started = performance.now();
        await server.stop();
        assert.ok(performance.now() - started < 1000, 'stop() within 1 s');
        for (const err of await Promise.all(pending))
          assert.ok(err.kind === 'connection' || err.kind === 'protocol', err.message);
        await Promise.all(clients.map(({ client }) => client.close()));
        assert.deepEqual(await settlesTo(baseline), baseline, 'no handles left behind');
      });

      it('close() rejects pending operations, is idempotent, and later sends reject', async () => {
        const baseline = await quietResources();
        const server = await startServer(pattern, options, 300);
        const { client } = await connect(pattern, options, server.url, { inFlight: 2 });
        const pending = [1, 2].map((seq) => rejection(client.send(withSeq(makeRecord(64), seq), true)));
        await new Promise((resolve) => setTimeout(resolve, 50));
        await client.close();
        await client.close();
        for (const err of await Promise.all(pending)) assert.equal(err.kind, 'connection', err.message);
        assert.equal((await rejection(client.send(withSeq(makeRecord(64), 3), true))).kind, 'connection');
        await server.stop();
        assert.deepEqual(await settlesTo(baseline), baseline, 'no handles left behind');
      });
    });
  });
}
