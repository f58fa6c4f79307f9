import { z } from 'zod';
import { Duration } from '../../units.js';

/** Option schemas the queue patterns share (cheap: zod only). */

/**
 * Faults a queue pattern's subscriptions inject themselves (no engine hook needed), timed from the
 * moment the subscription opened (the load starts about then, warm-up first).
 */
export const faultsOption = z
  .strictObject({
    killConsumerAt: Duration.optional().meta({
      description:
        'kill one consumer this long after it subscribed, as a crash would: its socket is destroyed, ' +
        'messages it holds are dropped unprocessed, unsent acks are lost',
    }),
    restartAfter: Duration.default(1000).meta({ description: 'how long the killed consumer stays down' }),
    consumer: z.int().min(0).default(0).meta({ description: 'index of the consumer to kill' }),
    restartBrokerAt: Duration.optional().meta({
      description:
        'kill the broker (SIGKILL) this long after subscribing and start it again on the same port and data; ' +
        'only for a broker commbench started. Clients reconnect',
    }),
    brokerDownFor: Duration.default(0).meta({ description: 'time between the broker kill and its restart' }),
  })
  .meta({ description: 'fault injection during the run (delivery-guarantees scenario)' });
export type Faults = z.output<typeof faultsOption>;

/**
 * The consumer harness's options (queue/consumer.ts), spread into the option schema of every broker
 * pattern whose subscribers run on it (amqp, nats, redis-streams).
 */
export const consumerOptions = {
  idempotent: z.boolean().default(false).meta({
    description:
      'effectively-once: the consumer skips (and acks) a message whose id is already in its processed-ids store',
  }),
  processMs: z.number().min(0).default(0).meta({
    description:
      "consumer work after a message's effect is applied and before it is acked, ms (the window in which a crash duplicates)",
  }),
  faults: faultsOption.optional(),
};
