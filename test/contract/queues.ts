import { jsonSize, type EchoRecord } from '../../src/message.js';

/**
 * Queue patterns (amqp, queue-chain, redis-streams, nats) in the request-response contract's tables. They need
 * a real broker, so the request-response suite does not run them (patterns.test.ts skips every
 * pattern with a broker); test/brokers/patterns.test.ts checks them against real brokers instead.
 */
type Options = Record<string, unknown>;
const publishOrCall = (r: EchoRecord, options: Options): [number, number] =>
  options.mode === 'rpc' ? [jsonSize(r), jsonSize(r)] : [jsonSize(r), 0];

export const queuePayloadSize = {
  amqp: publishOrCall,
  'redis-streams': publishOrCall,
  nats: publishOrCall,
  'queue-chain': publishOrCall,
};

export const queueOverheadPerOp: Record<keyof typeof queuePayloadSize, [number, number]> = {
  amqp: [20, 4000],
  'redis-streams': [20, 4000],
  nats: [20, 4000],
  'queue-chain': [20, 4000],
};

const brokerOnly = (): Promise<never> =>
  Promise.reject(
    new Error('queue patterns are checked against real brokers in test/brokers/patterns.test.ts'),
  );

export const queueFaultyServers: Record<keyof typeof queuePayloadSize, () => Promise<never>> = {
  amqp: brokerOnly,
  'redis-streams': brokerOnly,
  nats: brokerOnly,
  'queue-chain': brokerOnly,
};
