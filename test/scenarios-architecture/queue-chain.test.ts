import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRunBrokers, type RunBrokers } from '../../src/brokers/run.js';
import { runCase } from '../../src/engine/runner.js';
import type { CaseSpec } from '../../src/plan/types.js';
import { needsBroker } from '../brokers/helpers.js';
import { caseSpec } from '../engine/helpers.js';
import { brokersFor } from '../../src/patterns/registry.js';

/**
 * The call chain's asynchronous twin (queue-chain, on a real throwaway RabbitMQ) and failHop in
 * both designs (issue 6): the pipeline delivers every message once end to end and its end-to-end
 * latency grows with the number of stages; a hop that is down turns into errors for the caller of
 * the synchronous chain, and into a backlog (a latency spike, nothing lost) in the pipeline.
 */
const rateCase = (pattern: string, options: Record<string, unknown>, overrides: Partial<CaseSpec> = {}) =>
  caseSpec({
    id: `${pattern} ${JSON.stringify(options)}`,
    pattern,
    options,
    load: { model: 'rate', rate: 200, connections: 1, inFlight: 64, maxInFlight: 1000, subscribers: 1 },
    durationMs: 1500,
    warmupMs: 300,
    ...overrides,
  });

let brokers: RunBrokers | undefined;
before(async () => {
  if (needsBroker('rabbitmq').skip === false) brokers = await startRunBrokers(brokersFor(['queue-chain']));
});
after(() => brokers?.stop());

describe(
  'queue-chain: the chain as an asynchronous pipeline',
  { ...needsBroker('rabbitmq'), timeout: 120_000 },
  () => {
    it('delivers every published message exactly once at the last service, through N−1 stage processes', async () => {
      const r = await runCase(
        rateCase(
          'queue-chain',
          { hops: 3 },
          {
            load: {
              model: 'rate',
              rate: 300,
              connections: 2,
              inFlight: 32,
              maxInFlight: 1000,
              subscribers: 1,
            },
          },
        ),
      );
      assert.equal(r.status, 'ok', r.error?.message);
      const s = r.summary;
      const d = s?.delivery;
      assert.ok(s && d, 'delivery metrics');
      assert.equal(s.errors.total, 0, JSON.stringify(s.errorSamples));
      assert.ok(d.published >= 400, `published ${d.published}`);
      assert.equal(d.delivered, d.published);
      assert.equal(d.lost, 0);
      assert.equal(d.duplicated, 0);
      assert.equal(d.mismatched, 0);
      assert.ok(d.bytesPerDelivery > 256, `bytes per delivery ${d.bytesPerDelivery}`);
      // The forked stages and the broker they all go through, each measured as a server helper.
      const helpers = s.server?.helpers ?? [];
      assert.deepEqual(
        helpers.map((h) => h.role),
        ['stage 1 (amqp)', 'stage 2 (amqp)', 'broker:rabbitmq'],
      );
      assert.ok((helpers[2]?.cpuUs ?? 0) > 0, `broker CPU ${JSON.stringify(helpers[2])}`);
    });

    it('end-to-end p50 grows with the number of services (1, 4, 8)', async () => {
      const p50: number[] = [];
      for (const hops of [1, 4, 8]) {
        const r = await runCase(rateCase('queue-chain', { hops }));
        assert.equal(r.status, 'ok', r.error?.message);
        const d = r.summary?.delivery;
        assert.ok(d, 'delivery metrics');
        assert.equal(d.lost, 0);
        p50.push(d.latency.p50);
      }
      for (let i = 1; i < p50.length; i++) {
        assert.ok(
          (p50[i] as number) > (p50[i - 1] as number),
          `end-to-end p50 by hops 1, 4, 8: ${p50.map((v) => `${v}µs`).join(', ')}`,
        );
      }
    });
  },
);

describe('failHop: errors in the synchronous chain, backlog in the pipeline', { timeout: 120_000 }, () => {
  // Hop 2 of 3 is down 0.6 s after the first call it saw (warm-up 0.3 s) for 0.5 s.
  const failHop = { hop: 2, at: '600ms', for: '500ms' };

  for (const via of ['rest', 'grpc'] as const) {
    it(`call-chain via ${via}: the caller gets errors during the outage, and answers again after it`, async () => {
      const r = await runCase(rateCase('call-chain', { hops: 3, via, failHop }));
      assert.equal(r.status, 'ok', r.error?.message);
      const s = r.summary;
      assert.ok(s, 'summary');
      // about rate × outage = 100 failed calls
      assert.ok(s.errors.total >= 50 && s.errors.total <= 150, `errors ${JSON.stringify(s.errors)}`);
      assert.ok(s.ops >= 150, `answered calls ${s.ops}`);
    });
  }

  it(
    'queue-chain: publishes keep succeeding, nothing is lost, the maximum end-to-end latency spikes',
    { ...needsBroker('rabbitmq') },
    async () => {
      const healthy = await runCase(rateCase('queue-chain', { hops: 3 }));
      const failed = await runCase(rateCase('queue-chain', { hops: 3, failHop }));
      for (const r of [healthy, failed]) assert.equal(r.status, 'ok', r.error?.message);
      const s = failed.summary;
      const d = s?.delivery;
      assert.ok(s && d, 'delivery metrics');
      assert.equal(s.errors.total, 0, JSON.stringify(s.errorSamples));
      assert.equal(d.lost, 0);
      assert.equal(d.delivered, d.published);
      // Against the healthy run's p99, not its max: one scheduling hiccup of a loaded machine sets a
      // healthy max (137 ms seen) that says nothing about the pipeline.
      const before = healthy.summary?.delivery?.latency.p99 ?? 0;
      assert.ok(d.latency.max >= 300_000, `max end-to-end ${d.latency.max}µs (healthy p99 ${before}µs)`);
      assert.ok(d.latency.max > 5 * before, `max end-to-end ${d.latency.max}µs vs healthy p99 ${before}µs`);
    },
  );
});
