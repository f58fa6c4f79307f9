import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { canStartBroker } from '../../src/brokers/index.js';
import { startRunBrokers, type RunBrokers } from '../../src/brokers/run.js';
import { makeRecord, withSeq } from '../../src/message.js';
import { logName } from '../../src/patterns/event-sourcing/client.js';
import { Balances, encodeEvent, eventOf } from '../../src/patterns/event-sourcing/events.js';
import eventSourcing, { eventSourcingOptions } from '../../src/patterns/event-sourcing/index.js';
import { openLog } from '../../src/patterns/event-sourcing/logs.js';
import topicRouting from '../../src/patterns/topic-routing/index.js';
import {
  OpError,
  type PatternClient,
  type RunningServer,
  type Subscription,
} from '../../src/toolkit/contract.js';
import { eventually, needsBroker } from '../brokers/helpers.js';
import { brokersFor } from '../../src/patterns/registry.js';

/**
 * Issue 14 item 4 against real brokers, below the engine: each topic consumer receives exactly the
 * seqs of its topic (not only the right number of deliveries), on NATS and on RabbitMQ; the event
 * log rebuilds the appended state on Redis and on a RabbitMQ stream queue, and a rebuild from a log
 * that holds one event more than was appended fails.
 */

let brokers: RunBrokers | undefined;
before(async () => {
  brokers = await startRunBrokers(brokersFor(['topic-routing', 'event-sourcing']));
});
after(() => brokers?.stop());

const payload = { add: () => undefined };
const client = { index: 0, inFlight: 1, timeoutMs: 10_000, payload };

for (const broker of ['nats', 'rabbitmq'] as const) {
  for (const subscribe of ['own', 'all'] as const) {
    describe(
      `topic-routing on ${broker}, subscribe ${subscribe}`,
      { ...needsBroker(broker), timeout: 60_000 },
      () => {
        it(
          subscribe === 'own'
            ? 'consumers 0 and 2 get exactly the orders (even seqs), 1 and 3 exactly the payments (odd)'
            : 'every consumer gets every seq once',
          async () => {
            const options = topicRouting.options.parse({ broker, subscribe });
            const server = await topicRouting.startServer({
              host: '127.0.0.1',
              port: 0,
              delayMs: 0,
              options,
            });
            const got: number[][] = [[], [], [], []];
            const subs: Subscription[] = [];
            let publisher: PatternClient | undefined;
            try {
              const url = new URL(server.url);
              for (let index = 0; index < 4; index++) {
                subs.push(
                  await topicRouting.subscribe({
                    url,
                    options,
                    index,
                    timeoutMs: 10_000,
                    deliver: (seq) => got[index]?.push(seq),
                  }),
                );
              }
              publisher = await topicRouting.connect({ ...client, url, options });
              const base = makeRecord(64);
              const seqs = Array.from({ length: 40 }, (_, i) => i);
              for (const seq of seqs) await publisher.send(withSeq(base, seq), false);
              const want = (index: number): number[] =>
                subscribe === 'all' ? seqs : seqs.filter((s) => s % 2 === index % 2);
              await eventually(() => got.every((g, i) => g.length >= want(i).length), 5000);
              await new Promise((resolve) => setTimeout(resolve, 200)); // anything misrouted arrives too
              for (let index = 0; index < 4; index++) {
                assert.deepEqual(
                  [...(got[index] ?? [])].sort((a, b) => a - b),
                  want(index),
                  `consumer ${index}`,
                );
              }
            } finally {
              await publisher?.close();
              await Promise.all(subs.map((s) => s.close()));
              await server.stop();
            }
          },
        );
      },
    );
  }
}

describe('event-sourcing aggregate', () => {
  it('balances differ by one event, an account, a count; equal when rebuilt from the same events', () => {
    const a = new Balances();
    const b = new Balances();
    for (let i = 0; i < 500; i++) {
      a.apply(eventOf(i, 7));
      b.apply(eventOf(i, 7));
    }
    assert.equal(a.differs(b), undefined);
    b.apply(eventOf(500, 7));
    assert.match(a.differs(b) ?? '', /501 events instead of 500/);
    const c = new Balances();
    for (let i = 0; i < 500; i++) c.apply({ ...eventOf(i, 7), amount: i === 3 ? 0 : eventOf(i, 7).amount });
    assert.match(a.differs(c) ?? '', /acct-3 balance/);
  });
});

for (const broker of ['redis', 'rabbitmq'] as const) {
  describe(`event-sourcing on ${broker}`, { ...needsBroker(broker), timeout: 90_000 }, () => {
    let server: RunningServer | undefined;
    const start = async (options: Record<string, unknown>): Promise<URL> => {
      const parsed = eventSourcing.options.parse({ broker, ...options });
      server = await eventSourcing.startServer({ host: '127.0.0.1', port: 0, delayMs: 0, options: parsed });
      return new URL(server.url);
    };
    after(() => server?.stop());

    it('append: every send stores one event; the log then replays them in order', async () => {
      const options = eventSourcingOptions.parse({ broker, phase: 'append', accounts: 5 });
      const url = await start(options);
      let bytes = 0;
      const appender = await eventSourcing.connect({
        ...client,
        url,
        options,
        payload: { add: (request) => (bytes += request) },
      });
      const base = makeRecord(64);
      for (let seq = 0; seq < 50; seq++) await appender.send(withSeq(base, seq), false);
      await appender.close();
      let expectedBytes = 0;
      for (let seq = 0; seq < 50; seq++) expectedBytes += encodeEvent(eventOf(seq, 5)).length;
      assert.equal(bytes, expectedBytes);
      const endpoint = decodeURIComponent(url.hash.slice(1));
      const plain = new URL(url.href);
      plain.hash = '';
      const log = await openLog(broker, plain, logName(endpoint, options, 0), 10_000);
      const seen: number[] = [];
      await log.replay(16, 10_000, (entry) => seen.push((JSON.parse(entry) as { seq: number }).seq));
      await log.close();
      assert.deepEqual(
        seen,
        Array.from({ length: 50 }, (_, i) => i),
      );
      await server?.stop();
    });

    it('replay: a rebuild of 2,345 events (batches of 300) equals the appended state; one event more fails it', async () => {
      const options = eventSourcingOptions.parse({ broker, events: 2345, batch: 300, accounts: 13 });
      const url = await start(options);
      let replayed = 0;
      const replayer = await eventSourcing.connect({
        ...client,
        url,
        options,
        payload: { add: (_request, response) => (replayed += response) },
      });
      try {
        await replayer.send(withSeq(makeRecord(64), 0), true);
        await replayer.send(withSeq(makeRecord(64), 1), true);
        let logBytes = 0;
        for (let i = 0; i < 2345; i++) logBytes += encodeEvent(eventOf(i, 13)).length;
        assert.equal(replayed, 2 * logBytes, 'each rebuild read the whole log');
        // Someone appends behind the writer's back: the rebuilt state no longer matches.
        const endpoint = decodeURIComponent(url.hash.slice(1));
        const plain = new URL(url.href);
        plain.hash = '';
        const intruder = await openLog(broker, plain, logName(endpoint, options, 0), 10_000);
        await intruder.append([encodeEvent(eventOf(2345, 13))]);
        await intruder.close();
        await assert.rejects(
          replayer.send(withSeq(makeRecord(64), 2), true),
          (err: unknown) =>
            err instanceof OpError &&
            err.kind === 'mismatch' &&
            /2346 events instead of 2345/.test(err.message),
        );
      } finally {
        await replayer.close();
        await server?.stop();
      }
    });
  });
}

if (!canStartBroker('redis') || !canStartBroker('rabbitmq') || !canStartBroker('nats')) {
  console.log('# some brokers are missing: their tests above were skipped (CI=true fails them)');
}
