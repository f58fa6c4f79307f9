import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerEnvVar, brokerErrorEnvVar, brokerMissing, type BrokerKind } from '../../src/brokers/index.js';
import { startRunBrokers, type RunBrokers } from '../../src/brokers/run.js';
import { runCase } from '../../src/engine/runner.js';
import type { CaseSpec } from '../../src/scenario/types.js';
import { caseSpec } from '../engine/helpers.js';
import { needsBroker } from './helpers.js';

/**
 * The queue patterns end to end through the engine, on real throwaway brokers (one per kind for
 * the whole file, as in a run): every published message is delivered the expected number of times,
 * rpc echoes, and the fault hooks produce the delivery guarantees they should.
 */
const queueCase = (
  pattern: string,
  options: Record<string, unknown>,
  overrides: Partial<CaseSpec> = {},
): CaseSpec =>
  caseSpec({
    id: `${pattern} ${JSON.stringify(options)}`,
    pattern,
    options,
    load: { model: 'rate', rate: 300, connections: 1, inFlight: 32, maxInFlight: 1000, subscribers: 3 },
    durationMs: 1500,
    warmupMs: 300,
    ...overrides,
  });

const cases: [BrokerKind, string, Record<string, unknown>, number][] = [
  ['rabbitmq', 'amqp', { mode: 'work-queue' }, 1],
  ['rabbitmq', 'amqp', { mode: 'work-queue', confirm: true, persistent: true }, 1],
  ['rabbitmq', 'amqp', { mode: 'pubsub' }, 3],
  ['rabbitmq', 'amqp', { mode: 'pubsub', exchange: 'topic' }, 3],
  ['redis', 'redis-streams', { mode: 'work-queue' }, 1],
  ['redis', 'redis-streams', { mode: 'pubsub' }, 3],
  ['nats', 'nats', { mode: 'work-queue' }, 1],
  ['nats', 'nats', { mode: 'pubsub' }, 3],
];

let brokers: RunBrokers | undefined;
before(async () => {
  brokers = await startRunBrokers(['amqp', 'redis-streams', 'nats']);
});
after(() => brokers?.stop());

for (const [kind, pattern, options, perMessage] of cases) {
  describe(`${pattern} ${JSON.stringify(options)}`, { ...needsBroker(kind), timeout: 60_000 }, () => {
    it(`delivers every published message ${perMessage === 1 ? 'once to one of' : 'to each of'} 3 subscribers`, async () => {
      const result = await runCase(queueCase(pattern, options));
      assert.equal(result.status, 'ok', result.error?.message);
      const d = result.summary?.delivery;
      assert.ok(d, 'delivery metrics');
      assert.equal(d.perMessage, perMessage);
      assert.ok(d.published >= 400, `published ${d.published}`);
      assert.equal(d.delivered, d.published * perMessage);
      assert.equal(d.lost, 0);
      assert.equal(d.duplicated, 0);
      assert.equal(d.mismatched, 0);
      assert.ok(d.bytesPerDelivery > 256, `bytes per delivery ${d.bytesPerDelivery}`);
    });
  });
}

for (const [kind, pattern] of [
  ['rabbitmq', 'amqp'],
  ['nats', 'nats'],
] as const) {
  describe(`${pattern} rpc`, { ...needsBroker(kind), timeout: 60_000 }, () => {
    it('answers every call with its echo, with no subscribers', async () => {
      const result = await runCase(
        queueCase(pattern, { mode: 'rpc' }, { load: { model: 'closed', connections: 2, inFlight: 4 } }),
      );
      assert.equal(result.status, 'ok', result.error?.message);
      const s = result.summary;
      assert.ok(s && s.ops > 100, `ops ${s?.ops}`);
      assert.equal(s.errors.total, 0, JSON.stringify(s.errorSamples));
      assert.equal(s.delivery, undefined);
      assert.ok(s.payload.responsePerOp > 256);
    });
  });
}

describe(
  'delivery guarantees under a consumer kill (amqp)',
  { ...needsBroker('rabbitmq'), timeout: 90_000 },
  () => {
    const faults = { killConsumerAt: '800ms', restartAfter: '500ms' };
    const run = (options: Record<string, unknown>) =>
      runCase(
        queueCase(
          'amqp',
          { processMs: 4, faults, ...options },
          {
            load: {
              model: 'rate',
              rate: 400,
              connections: 1,
              inFlight: 64,
              maxInFlight: 1000,
              subscribers: 2,
            },
            durationMs: 2000,
            warmupMs: 300,
            timeoutMs: 10_000,
          },
        ),
      );
    it('at-least-once loses nothing; effectively-once also processes nothing twice', async () => {
      const atLeast = await run({ ack: 'manual', confirm: true, persistent: true });
      const effectively = await run({ ack: 'manual', confirm: true, persistent: true, idempotent: true });
      for (const r of [atLeast, effectively]) {
        assert.equal(r.status, 'ok', r.error?.message);
        assert.equal(r.summary?.delivery?.lost, 0, 'nothing lost');
      }
      assert.equal(effectively.summary?.delivery?.duplicated, 0, 'no duplicate processing');
    });
  },
);

describe('a case whose broker could not be had', () => {
  it('fails with E_SERVER_START carrying the reason the run recorded (exit code 4)', async () => {
    const url = brokerEnvVar('nats');
    const error = brokerErrorEnvVar('nats');
    const saved = process.env[url];
    delete process.env[url];
    process.env[error] =
      brokerMissing('nats').message + '. To get one: ' + (brokerMissing('nats').hint ?? '');
    try {
      const result = await runCase(queueCase('nats', {}, { durationMs: 200, warmupMs: 0 }));
      assert.equal(result.status, 'failed');
      assert.equal(result.error?.code, 'E_SERVER_START');
      assert.match(result.error?.message ?? '', /apt-get install nats-server/);
    } finally {
      delete process.env[error];
      if (saved !== undefined) process.env[url] = saved;
    }
  });
});
