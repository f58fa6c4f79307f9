import { after, before, describe } from 'node:test';
import { startRunBrokers, type RunBrokers } from '../../src/brokers/run.js';
import { brokerOf, brokersFor, type PatternName } from '../../src/patterns/registry.js';
import { needsBroker } from '../brokers/helpers.js';
import { echoRoundTripSuite } from './contract.js';
import { queueContractCases } from './queues.js';

/**
 * The contract's echo round trips and payload and wire byte accounting (queues.ts tables) for the
 * queue patterns, on real throwaway brokers: one per kind for the whole file, as in a run.
 */
let brokers: RunBrokers | undefined;
before(async () => {
  brokers = await startRunBrokers(brokersFor(queueContractCases.map(([name]) => name)));
});
after(() => brokers?.stop());

for (const [name, options] of queueContractCases) {
  const kind = brokerOf(name);
  if (!kind) throw new Error(`${name} is not a queue pattern`);
  describe(
    `queue pattern ${name} ${JSON.stringify(options)}`,
    { ...needsBroker(kind), timeout: 60_000 },
    () => echoRoundTripSuite(name as PatternName, options),
  );
}
