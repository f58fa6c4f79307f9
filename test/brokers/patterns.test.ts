import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  brokerEnvVar,
  brokerErrorEnvVar,
  brokerMissing,
  type BrokerKind,
  type RunningBroker,
} from '../../src/brokers/index.js';
import { findBinary } from '../../src/proc/binary.js';
import { freePort } from '../../src/proc/net.js';
import { startRunBrokers, type RunBrokers } from '../../src/brokers/run.js';
import { runCase } from '../../src/engine/runner.js';
import type { CaseSpec } from '../../src/plan/types.js';
import { caseSpec } from '../engine/helpers.js';
import { eventually, needsBroker } from './helpers.js';
import { brokersFor } from '../../src/patterns/registry.js';

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
  brokers = await startRunBrokers(brokersFor(['amqp', 'redis-streams', 'nats']));
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
        // The fault must have happened, or "nothing lost" proves nothing: one consumer killed at
        // 800 ms and back 500 ms later is one reconnect with an outage of at least restartAfter.
        const reconnect = r.summary?.delivery?.reconnect;
        assert.equal(reconnect?.count, 1, `one consumer kill and reconnect: ${JSON.stringify(reconnect)}`);
        assert.ok(reconnect.min >= 490_000, `outage ${reconnect.min} µs ≥ restartAfter`);
        assert.equal(r.summary?.delivery?.lost, 0, 'nothing lost');
      }
      assert.equal(effectively.summary?.delivery?.duplicated, 0, 'no duplicate processing');
    });
  },
);

for (const [kind, pattern] of [
  ['rabbitmq', 'amqp'],
  ['redis', 'redis-streams'],
] as const) {
  describe(`${pattern}: a backlog behind a slow consumer`, { ...needsBroker(kind), timeout: 60_000 }, () => {
    it('is reported as still queued (undrained), not lost', async () => {
      // 200/s to one consumer that takes 20 ms per message (50/s): most of the window's messages
      // are still queued when the 300 ms grace period ends.
      const result = await runCase(
        queueCase(
          pattern,
          { mode: 'work-queue', processMs: 20 },
          {
            load: {
              model: 'rate',
              rate: 200,
              connections: 1,
              inFlight: 8,
              maxInFlight: 1000,
              subscribers: 1,
            },
            durationMs: 1000,
            warmupMs: 200,
            timeoutMs: 300,
          },
        ),
      );
      assert.equal(result.status, 'ok', result.error?.message);
      const d = result.summary?.delivery;
      assert.ok(d && d.published >= 150, `published ${d?.published}`);
      const undrained = d.undrained ?? 0;
      assert.ok(undrained >= d.expected / 2, `undrained ${undrained} of ${d.expected}: ${JSON.stringify(d)}`);
      assert.ok(d.lost <= d.expected * 0.05, `lost ${d.lost} of ${d.expected}`);
      assert.equal(
        d.delivered + (d.late ?? 0) + undrained + d.lost,
        d.expected,
        'each expected delivery counted once',
      );
    });
  });
}

/** The run's broker of `kind` (started in before()). */
function runBroker(kind: BrokerKind): RunningBroker {
  const broker = brokers?.started.find((b) => b.kind === kind);
  assert.ok(broker, `the file's ${kind} broker`);
  return broker;
}

describe('broker CPU is server CPU', { ...needsBroker('rabbitmq'), timeout: 60_000 }, () => {
  it("closed-loop amqp: beam.smp is a server helper, in srv CPU/op, not in the machine's other load", async () => {
    const broker = runBroker('rabbitmq');
    assert.match(readFileSync(`/proc/${broker.pid}/comm`, 'utf8'), /beam/, 'the broker pid is the VM');
    const before = broker.usage().cpuUs;
    const result = await runCase(
      queueCase(
        'amqp',
        { mode: 'work-queue', confirm: true },
        { load: { model: 'closed', connections: 1, inFlight: 32, subscribers: 1 } },
      ),
    );
    const brokerCpuDuringCase = broker.usage().cpuUs - before;
    assert.equal(result.status, 'ok', result.error?.message);
    const s = result.summary;
    assert.ok(s?.server && s.ops > 200, `ops ${s?.ops}`);
    const windowUs = s.durationMs * 1000;
    const helper = s.server.helpers?.find((h) => h.role === 'broker:rabbitmq');
    assert.ok(helper, `broker among the helpers: ${JSON.stringify(s.server.helpers)}`);
    // A closed loop through RabbitMQ keeps beam.smp busy; its CPU over the window is at most what
    // the test itself read over the whole case (plus one 10 ms /proc tick).
    assert.ok(helper.cpuUs > 0.05 * windowUs, `broker CPU ${helper.cpuUs} µs in ${windowUs} µs`);
    assert.ok(helper.cpuUs <= brokerCpuDuringCase + 10_000, `${helper.cpuUs} > ${brokerCpuDuringCase}`);
    assert.ok(s.server.cpuUs >= helper.cpuUs, 'server CPU includes the broker');
    assert.ok(Math.abs(s.server.cpuUsPerOp * s.ops - s.server.cpuUs) < 1, 'srv CPU/op covers it');
    assert.ok(
      (s.server.cpuUtilization ?? 0) >= helper.cpuUs / windowUs - 0.01,
      'utilization of the busiest server-side process',
    );
    const m = s.machine;
    assert.ok(m, 'machine load read');
    // busy = driver + server (with its broker) + other: the broker is not in `otherCores`.
    const accounted = (s.driver.cpuUs + helper.cpuUs) / windowUs;
    assert.ok(
      m.busyCores - m.otherCores >= accounted - 0.03,
      `busy ${m.busyCores} - other ${m.otherCores} < driver + broker ${accounted.toFixed(2)} cores`,
    );
  });
});

describe(
  'a broker commbench did not start (--broker-url)',
  { ...needsBroker('redis'), timeout: 60_000 },
  () => {
    it('its CPU is reported as not measured, not silently left out', async () => {
      const port = await freePort();
      const redis = spawn(
        findBinary('redis-server') as string,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      const name = brokerEnvVar('redis');
      const saved = process.env[name];
      process.env[name] = `redis://127.0.0.1:${port}`;
      try {
        assert.ok(
          await eventually(() =>
            readFileSync('/proc/net/tcp', 'utf8').includes(
              `:${port.toString(16).toUpperCase().padStart(4, '0')} `,
            ),
          ),
          'redis listening',
        );
        const result = await runCase(
          queueCase('redis-streams', { mode: 'work-queue' }, { durationMs: 500, warmupMs: 100 }),
        );
        assert.equal(result.status, 'ok', result.error?.message);
        const server = result.summary?.server;
        assert.deepEqual(
          server?.unmeasured?.map((u) => u.role),
          ['broker:redis'],
          JSON.stringify(server),
        );
        assert.match(server?.unmeasured?.[0]?.reason ?? '', /did not start/);
        assert.equal(server?.helpers?.some((h) => h.role.startsWith('broker:')) ?? false, false);
      } finally {
        if (saved === undefined) delete process.env[name];
        else process.env[name] = saved;
        redis.kill('SIGKILL');
      }
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
