import { z } from 'zod';
import { consumerOptions } from '../../toolkit/queue/options.js';
import { pushPattern } from '../../toolkit/lazy.js';

/** Options of the `amqp` pattern (scenario `options:`); the server and the clients read the same. */
export const amqpOptions = z.strictObject({
  /**
   * `work-queue`: every message goes to one of `load.subscribers` competing consumers of one queue.
   * `pubsub`: an exchange copies every message to each subscriber's own queue (fan-out).
   * `rpc`: request/response: a responder in the server process answers on the caller's reply-to
   * (direct reply-to) with the correlation id; no subscribers.
   */
  mode: z.enum(['work-queue', 'pubsub', 'rpc']).default('work-queue'),
  exchange: z.enum(['fanout', 'topic']).default('fanout').meta({ description: 'pubsub: exchange type' }),
  confirm: z.boolean().default(false).meta({
    description:
      "publisher confirms: a publish resolves on the broker's ack (else once written to the socket)",
  }),
  persistent: z.boolean().default(false).meta({
    description: 'persistent messages (delivery mode 2) into durable queues: written to disk by the broker',
  }),
  ack: z.enum(['auto', 'manual']).default('manual').meta({
    description:
      'auto: the broker forgets a message once sent (at-most-once); manual: the consumer acks after processing',
  }),
  prefetch: z.int().min(0).default(100).meta({
    description: 'manual ack: most unacked messages per consumer (0 = unlimited)',
  }),
  noDelay: z.boolean().default(true).meta({
    description:
      "TCP_NODELAY on the client sockets (amqplib's default leaves Nagle on, +~40 ms at low rates)",
  }),
  ...consumerOptions,
});
export type AmqpOptions = z.output<typeof amqpOptions>;

/**
 * AMQP 0-9-1 on a real RabbitMQ broker with amqplib. The pattern's server process is the
 * broker-side application: it declares this repetition's queue or exchange (named by the URL's
 * fragment, unique per repetition) and deletes it on stop; in `rpc` mode it is also the responder.
 * Publishers and consumers run in the driver on one clock. Messages are the record's JSON with
 * messageId = seq. Payload bytes: the JSON published (and the reply in rpc mode); a delivery's
 * bytes are the body received. Socket options (noDelay) are the pattern's options, kept in the result.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(amqpOptions, server, client);
