import { jsonSize, type EchoRecord } from '../../src/message.js';

/**
 * Queue patterns (amqp, queue-chain, redis-streams, nats) in the request-response contract's tables. They need
 * a real broker, so the request-response suite (patterns.test.ts) does not run them: queues.test.ts
 * runs the contract's echo round trips and byte accounting for `queueContractCases` on real
 * brokers, and test/brokers/patterns.test.ts their deliveries through the engine.
 */
type Options = Record<string, unknown>;

/** The publishers (and rpc callers) whose payload and wire bytes queues.test.ts checks. */
export const queueContractCases: readonly (readonly [keyof typeof queuePayloadSize, Options])[] = [
  ['amqp', {}],
  ['amqp', { confirm: true }],
  ['amqp', { mode: 'rpc' }],
  ['redis-streams', {}],
  ['nats', {}],
  ['nats', { flush: true }],
  ['nats', { mode: 'rpc' }],
  ['queue-chain', {}],
];
const publishOrCall = (r: EchoRecord, options: Options): [number, number] =>
  options.mode === 'rpc' ? [jsonSize(r), jsonSize(r)] : [jsonSize(r), 0];

export const queuePayloadSize = {
  amqp: publishOrCall,
  'redis-streams': publishOrCall,
  nats: publishOrCall,
  'queue-chain': publishOrCall,
};

/**
 * Wire bytes per operation beyond the payload, connection setup included (50 operations of 1 KiB).
 * Measured on RabbitMQ 3.x, Redis 7, NATS 2: amqp publish ~120 B (frames, properties, confirms),
 * rpc ~340 B (request and reply frames); redis-streams ~220 B (XADD command and reply); nats
 * publish ~45-60 B, request ~165 B; queue-chain ~130 B.
 */
export const queueOverheadPerOp: Record<keyof typeof queuePayloadSize, [number, number]> = {
  amqp: [80, 450],
  'redis-streams': [120, 350],
  nats: [25, 250],
  'queue-chain': [80, 250],
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
