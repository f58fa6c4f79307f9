import { z } from 'zod';
import { pushPattern } from '../../toolkit/lazy.js';

/** Options of the `topic-routing` pattern (scenario `options:`); the server and the clients read the same. */
export const topicRoutingOptions = z.strictObject({
  /**
   * `nats`: NATS subjects with wildcards (`<run>.orders.*`); `rabbitmq`: a RabbitMQ topic exchange
   * (amqplib), each consumer's own queue bound with its routing-key pattern (`orders.*`).
   */
  broker: z.enum(['nats', 'rabbitmq']).default('nats'),
  /**
   * What a consumer subscribes to. `own`: subscriber i to `orders.*` (i even) or `payments.*` (i
   * odd), so each message is for half of them; `all`: every subscriber to `*.*` (a consumer that
   * ignores topics: each message reaches all, and the deliveries beyond a topic's consumers count
   * as duplicated).
   */
  subscribe: z.enum(['own', 'all']).default('own'),
});
export type TopicRoutingOptions = z.output<typeof topicRoutingOptions>;

/** The topics messages go to, by seq: even seqs to orders.created, odd to payments.settled. */
export const topics = ['orders.created', 'payments.settled'] as const;
export const topicOf = (seq: number): string => topics[seq % 2] as string;
/** Subscriber i's subject pattern in `own` mode. */
export const patternOf = (index: number): string => (index % 2 === 0 ? 'orders.*' : 'payments.*');

/**
 * Topic routing on NATS subjects (a real nats-server, the `nats` client): the publisher sends each
 * record to `<run>.orders.created` or `<run>.payments.settled` by its seq; consumers subscribe with
 * wildcards (`<run>.orders.*`, `<run>.payments.*`). With `broker: rabbitmq` the same on a RabbitMQ
 * topic exchange (one per run): routing keys `orders.created` / `payments.settled`, each consumer's
 * exclusive queue bound with `orders.*`, `payments.*` or `*.*`; the publisher uses confirms, so its
 * send resolves once the broker has routed the message. With `subscribe: own` and an even number of
 * subscribers each message must reach exactly the subscribers of its topic: half of them
 * (deliveriesPerMessage = subscribers / 2), so a message that also reached a consumer of the other
 * topic counts as duplicated and one that missed a consumer of its topic as lost. The publisher's
 * send resolves after publish + flush (the server has read it).
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(topicRoutingOptions, server, client, (options, subscribers) =>
  options.subscribe === 'all' ? subscribers : Math.max(1, Math.floor(subscribers / 2)),
);
