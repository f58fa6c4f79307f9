/**
 * A broker commbench started dies in the middle of a run (SIGKILL): the case in progress fails
 * saying the broker died — not `ok` with deliveries lost, not DRIVER-LIMITED on connection errors —
 * and every later case that needs it fails at once saying so, not with "Connection is closed".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerEnvVar, startedBrokerAt, type BrokerKind } from '../../src/brokers/index.js';
import { runPlan } from '../../src/engine/runner.js';
import { caseSpec } from '../engine/helpers.js';
import { needsBroker } from './helpers.js';

const cases: [BrokerKind, string][] = [
  ['nats', 'nats'],
  ['redis', 'redis-streams'],
];

describe('a broker killed mid-run', () => {
  for (const [kind, pattern] of cases) {
    it(
      `${kind}: the case in progress and the later ones fail with E_BROKER_DIED`,
      needsBroker(kind),
      async () => {
        let killed = 0;
        const started = Date.now();
        const result = await runPlan(
          {
            name: 'broker-death',
            description: '',
            source: 'test',
            cases: [
              caseSpec({ id: 'during', pattern, durationMs: 3000, warmupMs: 200, timeoutMs: 2000 }),
              caseSpec({ id: 'after', pattern, durationMs: 500, warmupMs: 0, timeoutMs: 2000 }),
            ],
          },
          {
            hooks: {
              serverStarted(spec) {
                if (spec.id !== 'during') return;
                const broker = startedBrokerAt(process.env[brokerEnvVar(kind)] ?? '');
                assert.ok(broker, 'the run started the broker');
                killed = broker.pid;
                setTimeout(() => process.kill(broker.pid, 'SIGKILL'), 1200);
              },
            },
          },
        );
        assert.ok(killed > 0);
        const [during, after] = result.cases;
        assert.equal(during?.status, 'failed', JSON.stringify(during?.error));
        assert.equal(during?.error?.code, 'E_BROKER_DIED');
        assert.match(
          during?.error?.message ?? '',
          new RegExp(`the ${kind} broker .*pid ${killed}.* died during the run \\(SIGKILL\\)`),
        );
        assert.ok(during?.repetitions[0], 'what was measured before is kept');
        assert.equal(after?.status, 'failed');
        assert.equal(after?.error?.code, 'E_BROKER_DIED');
        assert.match(after?.error?.message ?? '', /died earlier in the run \(SIGKILL\)/);
        assert.ok(Date.now() - started < 15_000, 'no wait for timeouts');
      },
    );
  }
});
