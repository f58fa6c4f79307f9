import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runCase } from '../../src/engine/runner.js';
import { jsonSize, makeRecord, recordsEqual, withSeq, type EchoRecord } from '../../src/message.js';
import { publishMutation } from '../../src/patterns/graphql-ws/schema.js';
import { loadPattern, type PatternName } from '../../src/patterns/registry.js';
import {
  OpError,
  type Pattern,
  type PatternClient,
  type RunningServer,
  type Subscription,
} from '../../src/toolkit/contract.js';
import { caseSpec } from '../engine/helpers.js';
import { pushFaultyServers } from './push-faults.js';

type Options = Record<string, unknown>;

/** Serialized bytes a subscriber should report for one delivered record. */
const deliveryBytes: Partial<Record<PatternName, (record: EchoRecord) => number>> = {
  // The execution result: {"data":{"echoes":<record>}}.
  'graphql-ws': (r) => jsonSize(r) + '{"data":{"echoes":}}'.length,
};

interface Delivery {
  readonly seq: number;
  readonly record: Partial<EchoRecord> | undefined;
  readonly bytes: number | undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function resources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'Immediate' && r !== 'TTYWrap')
    .sort();
}

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

async function settlesTo(baseline: string[], withinMs = 1500): Promise<string[]> {
  const until = performance.now() + withinMs;
  let now = resources();
  while (now.join() !== baseline.join() && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    now = resources();
  }
  return now;
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * What every push pattern (one with subscribe() and deliveries for these options) passes on top of
 * the request-response contract its publisher passes: fan-out correctness (every subscriber gets
 * every message exactly once, in order, with its content and size), a closed subscriber gets
 * nothing more, errors on a dead server, clean shutdown, and the engine's delivery metrics against
 * a known schedule.
 */
export function pushSuite(name: PatternName, options: Options = {}): void {
  const title = Object.keys(options).length > 0 ? `${name} ${JSON.stringify(options)}` : name;
  describe(`push ${title}`, { timeout: 60_000 }, () => {
    let pattern: Pattern;
    let parsed: Record<string, unknown>;
    before(async () => {
      pattern = await loadPattern(name);
      parsed = pattern.options.parse(options);
    });

    const subscribe = (
      url: string,
      index: number,
      into: Delivery[],
      timeoutMs = 5000,
    ): Promise<Subscription> => {
      assert.ok(pattern.subscribe, `${name} has subscribe()`);
      return pattern.subscribe({
        url: new URL(url),
        options: parsed,
        index,
        timeoutMs,
        deliver: (seq, record, bytes) => into.push({ seq, record, bytes }),
      });
    };
    const publisher = (url: string, inFlight = 1, timeoutMs = 5000): Promise<PatternClient> =>
      pattern.connect({
        url: new URL(url),
        options: parsed,
        index: 0,
        inFlight,
        timeoutMs,
        payload: { add: () => undefined },
      });
    const startServer = (delayMs = 0): Promise<RunningServer> =>
      pattern.startServer({ host: '127.0.0.1', port: 0, options: parsed, delayMs });

    describe('fan-out', () => {
      let server: RunningServer;
      before(async () => {
        server = await startServer();
      });
      after(() => server.stop());

      for (const [size, inFlight] of [
        [64, 1],
        [4096, 4],
      ] as const) {
        it(`${size} B, inFlight ${inFlight}: 3 subscribers get every message once, in order, intact`, async () => {
          const received: Delivery[][] = [[], [], []];
          const subscriptions = await Promise.all(received.map((into, i) => subscribe(server.url, i, into)));
          const client = await publisher(server.url, inFlight);
          const base = makeRecord(size);
          const sent = Array.from({ length: 40 }, (_, i) => withSeq(base, 5000 + i));
          try {
            let next = 0;
            await Promise.all(
              Array.from({ length: inFlight }, async () => {
                while (next < sent.length) await client.send(sent[next++] as EchoRecord, true);
              }),
            );
            await until(() => received.every((r) => r.length >= sent.length), 5000);
            await new Promise((resolve) => setTimeout(resolve, 50)); // duplicates would show now
            const bytes = deliveryBytes[name] ?? jsonSize;
            for (const [i, deliveries] of received.entries()) {
              assert.deepEqual(
                deliveries.map((d) => d.seq),
                sent.map((r) => r.seq),
                `subscriber ${i}: every seq once, in publish order`,
              );
              for (const [k, d] of deliveries.entries()) {
                const record = sent[k] as EchoRecord;
                assert.ok(
                  d.record && recordsEqual(d.record, record),
                  `subscriber ${i}: content of seq ${d.seq}`,
                );
                assert.equal(d.bytes, bytes(record), `subscriber ${i}: bytes of seq ${d.seq}`);
              }
            }
          } finally {
            await client.close();
            await Promise.all(subscriptions.map((s) => s.close()));
          }
        });
      }

      it('a closed subscriber receives nothing more; the others still do', async () => {
        const kept: Delivery[] = [];
        const dropped: Delivery[] = [];
        const keep = await subscribe(server.url, 0, kept);
        const drop = await subscribe(server.url, 1, dropped);
        const client = await publisher(server.url);
        try {
          await client.send(withSeq(makeRecord(64), 1), false);
          await until(() => kept.length === 1 && dropped.length === 1, 5000);
          await drop.close();
          await drop.close();
          await client.send(withSeq(makeRecord(64), 2), false);
          await until(() => kept.length === 2, 5000);
          await new Promise((resolve) => setTimeout(resolve, 50));
          assert.deepEqual(
            kept.map((d) => d.seq),
            [1, 2],
          );
          assert.deepEqual(
            dropped.map((d) => d.seq),
            [1],
          );
        } finally {
          await client.close();
          await keep.close();
        }
      });
    });

    it('subscribe rejects promptly with OpError(connection) when nothing listens; no handles left', async () => {
      const baseline = await quietResources();
      const port = await freePort();
      const started = performance.now();
      const err = await subscribe(`${pattern.scheme}://127.0.0.1:${port}`, 0, []).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof OpError, `an OpError, got ${String(err)}`);
      assert.equal(err.kind, 'connection', err.message);
      assert.ok(performance.now() - started < 2000, 'within 2 s');
      assert.deepEqual(await settlesTo(baseline), baseline, 'no handles left behind');
    });

    it('deliveries report what arrived: a server that changes records is seen by deliver()', async () => {
      const server = await pushFaultyServers[name as keyof typeof pushFaultyServers]((r) => ({
        ...r,
        text: `#${r.text}`,
      }));
      const received: Delivery[] = [];
      const subscription = await subscribe(server.url, 0, received);
      const client = await publisher(server.url);
      try {
        const record = withSeq(makeRecord(128, 'text'), 3);
        await client.send(record, true);
        await until(() => received.length === 1, 5000);
        assert.equal(received[0]?.seq, 3);
        assert.equal(received[0]?.record?.text, `#${record.text}`);
      } finally {
        await client.close();
        await subscription.close();
        await server.stop();
      }
    });

    it('server stop() within 1 s with subscribers and a publisher open; everything closes cleanly', async () => {
      const baseline = await quietResources();
      const server = await startServer(300);
      const subscriptions = await Promise.all([0, 1, 2].map((i) => subscribe(server.url, i, [])));
      const client = await publisher(server.url);
      const pending = client.send(withSeq(makeRecord(64), 1), true).then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      await server.stop();
      assert.ok(performance.now() - started < 1000, 'stop() within 1 s');
      const err = await pending;
      assert.ok(
        err instanceof OpError && (err.kind === 'connection' || err.kind === 'protocol'),
        String(err),
      );
      await client.close();
      await Promise.all(subscriptions.map((s) => s.close()));
      assert.deepEqual(await settlesTo(baseline), baseline, 'no handles left behind');
    });

    it('through the engine at 50/s to 3 subscribers: deliveries = published × 3, on time', async () => {
      const result = await runCase(
        caseSpec({
          pattern: name,
          options,
          durationMs: 2000,
          warmupMs: 300,
          load: { model: 'rate', rate: 50, connections: 1, inFlight: 4, maxInFlight: 1000, subscribers: 3 },
        }),
      );
      assert.equal(result.status, 'ok', result.error?.message);
      const s = result.summary;
      const d = s?.delivery;
      assert.ok(s && d, 'delivery metrics');
      assert.equal(s.errors.total, 0);
      assert.ok(Math.abs(d.published - 100) <= 2, `published ${d.published}`);
      assert.equal(d.expected, d.published * 3);
      assert.equal(d.delivered, d.expected, 'every subscriber got every message');
      assert.deepEqual([d.lost, d.duplicated, d.outOfOrder, d.mismatched], [0, 0, 0, 0]);
      assert.equal(d.subscribe.count, 3);
      assert.equal(d.latency.count, d.delivered, 'one latency per delivery');
      // Publish → receipt crosses the publisher's socket, the server process and the subscriber's
      // socket: never near zero (a latency taken from the wrong moment, e.g. the ack, would be).
      assert.ok(d.latency.min >= 10, `fastest delivery ${d.latency.min} µs`);
      const interval = typeof parsed.interval === 'number' ? parsed.interval : 0;
      if (interval > 0) {
        // Polling: a message waits for the next poll, uniformly over the interval.
        const meanMs = d.latency.mean / 1000;
        assert.ok(
          Math.abs(meanMs - interval / 2) < interval * 0.25 + 5,
          `mean ${meanMs} ms, interval ${interval}`,
        );
        assert.ok(d.latency.p99 / 1000 <= interval + 60, `p99 ${d.latency.p99 / 1000} ms`);
        // The max only guards against lost ticks: one event-loop stall on a busy machine can add to it.
        assert.ok(d.latency.max / 1000 <= 2 * interval + 200, `max ${d.latency.max / 1000} ms`);
        // 3 subscribers poll every interval over the 2 s window; most polls find one message (50/s).
        const polls = (3 * 2000) / interval;
        assert.ok(d.requests, 'poll requests reported');
        assert.ok(Math.abs(d.requests.total - polls) <= 6, `${d.requests.total} polls, expected ~${polls}`);
        assert.ok(d.requests.empty <= d.requests.total);
      } else {
        assert.ok(d.latency.p50 < 20_000, `p50 ${d.latency.p50} µs`);
        assert.equal(d.requests, undefined, 'push: no requests to receive');
      }
      const dropEvery = typeof parsed.dropEvery === 'number' ? parsed.dropEvery : 0;
      if (dropEvery > 0) {
        // Every stream is dropped every dropEvery ms: each subscriber reconnects about 2000 / dropEvery times.
        const expected = (3 * 2000) / dropEvery;
        assert.ok(d.reconnect, 'reconnects reported');
        assert.ok(
          Math.abs(d.reconnect.count - expected) <= 4,
          `${d.reconnect.count} reconnects, ~${expected} expected`,
        );
        assert.ok(d.reconnect.min >= 15_000, `reconnect ≥ retry (20 ms): min ${d.reconnect.min} µs`);
      } else {
        assert.equal(d.reconnect, undefined, 'no reconnects without drops');
      }
    });
  });
}

/** The publisher's payload per publish: [request, ack] (the request-response contract checks it). */
export const pushPayloadSize = {
  websocket: (r: EchoRecord, options: Options): [number, number] =>
    options.mode === 'broadcast' ? [jsonSize(r), `{"seq":${r.seq}}`.length] : [jsonSize(r), jsonSize(r)],
  sse: (r: EchoRecord): [number, number] => [jsonSize(r), `{"seq":${r.seq}}`.length],
  poll: (r: EchoRecord): [number, number] => [jsonSize(r), `{"seq":${r.seq}}`.length],
  'graphql-ws': (r: EchoRecord): [number, number] => [
    JSON.stringify({ query: publishMutation, variables: { record: r } }).length,
    JSON.stringify({ data: { publish: r.seq } }).length,
  ],
};

/** Plausible wire overhead per publish (or echo) beyond the payload, bytes: [min, max]. */
export const pushOverheadPerOp: Record<keyof typeof pushPayloadSize, [number, number]> = {
  // Frame headers (2 + 4-byte mask out, 2 in; 4 for the 64 KiB frames) and the amortized handshake.
  websocket: [8, 60],
  sse: [100, 600],
  poll: [100, 600],
  // The protocol's envelopes: subscribe, next and complete messages with the operation id.
  'graphql-ws': [60, 600],
};

/** Option sets of the push patterns that the request-response contract runs too (on the publisher). */
export const pushContractVariants: Partial<Record<PatternName, Options[]>> = {
  websocket: [{ mode: 'broadcast' }],
};

/** Every option set that pushes, each run through pushSuite. */
export const pushSuites: readonly (readonly [PatternName, Options])[] = [
  ['websocket', { mode: 'broadcast' }],
  ['sse', {}],
  // Streams dropped every 300 ms: reconnect + Last-Event-ID resume must keep deliveries exact.
  ['sse', { dropEvery: '300ms', retry: '20ms' }],
  ['graphql-ws', {}],
  ['poll', { interval: '200ms' }],
];
