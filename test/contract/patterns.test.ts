import { brokerOf, patternNames, type PatternName } from '../../src/patterns/registry.js';
import { architectureVariants } from './architecture.js';
import { claimsBrokerPatterns, claimsPushSuites, claimsVariants } from './claims.js';
import { contractSuite } from './contract.js';
import { isolationNotEcho, isolationVariants } from './isolation.js';
import { pushContractVariants, pushSuite, pushSuites } from './push.js';

/** Option sets that change how a pattern talks, each run through the whole suite too. */
const variants: Partial<Record<PatternName, Record<string, unknown>[]>> = {
  ...architectureVariants,
  ...claimsVariants,
  ...isolationVariants,
  ...pushContractVariants,
  rest: [{ client: 'undici' }],
  websocket: [...(pushContractVariants.websocket ?? []), { client: 'net' }],
  'rest-h2': [{ tls: true }],
  grpc: [
    { mode: 'bidi-stream' },
    { mode: 'server-stream' },
    { mode: 'server-stream', messages: 1 },
    { client: 'http2' },
    { client: 'frames' },
  ],
  graphql: [{ selection: 'narrow' }, { documentCache: false }],
};

for (const name of patternNames) {
  // Queue patterns need a real broker: test/brokers/patterns.test.ts checks them.
  if (brokerOf(name) || claimsBrokerPatterns.has(name) || isolationNotEcho.has(name)) continue;
  contractSuite(name);
  for (const options of variants[name] ?? []) contractSuite(name, options);
}
for (const [name, options] of [...pushSuites, ...claimsPushSuites]) pushSuite(name, options);
