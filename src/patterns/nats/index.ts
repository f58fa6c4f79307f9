import { z } from 'zod';
import { consumerOptions } from '../../toolkit/queue/options.js';
import { pushPattern } from '../../toolkit/lazy.js';

/** Options of the `nats` pattern (scenario `options:`); the server and the clients read the same. */
export const natsOptions = z.strictObject({
  /**
   * `work-queue`: core NATS queue group; each message goes to one of `load.subscribers` members.
   * `pubsub`: plain subscriptions; every subscriber gets every message (fan-out).
   * `rpc`: request/reply; the responder runs in the server process; no subscribers.
   * Core NATS is at-most-once: nothing is stored, so a consumer that is down misses messages.
   */
  mode: z.enum(['work-queue', 'pubsub', 'rpc']).default('work-queue'),
  flush: z.boolean().default(false).meta({
    description:
      'publish then flush (PING/PONG): send resolves once the server has read the message (else once buffered)',
  }),
  ...consumerOptions,
});
export type NatsOptions = z.output<typeof natsOptions>;

/**
 * NATS core on a real nats-server with the `nats` client (TCP_NODELAY is always on). Subjects are
 * named by the URL fragment (fresh per repetition). Messages are the record's JSON; payload bytes
 * are the JSON published (and the reply in rpc mode); a delivery's bytes are the JSON received.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(natsOptions, server, client);
