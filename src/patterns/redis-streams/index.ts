import { z } from 'zod';
import { consumerOptions } from '../../toolkit/queue/options.js';
import { pushPattern } from '../../toolkit/lazy.js';

/** Options of the `redis-streams` pattern (scenario `options:`); the server and the clients read the same. */
export const redisStreamsOptions = z.strictObject({
  /**
   * `work-queue`: one consumer group; each entry goes to one of `load.subscribers` consumers.
   * `pubsub`: one consumer group per subscriber, so each reads every entry (fan-out).
   */
  mode: z.enum(['work-queue', 'pubsub']).default('work-queue'),
  ack: z.enum(['auto', 'manual']).default('manual').meta({
    description:
      'auto: XREADGROUP NOACK (at-most-once); manual: XACK after processing, and a restarted consumer first re-reads its pending entries',
  }),
  batch: z.int().min(1).default(100).meta({ description: 'XREADGROUP COUNT: most entries per read' }),
  noDelay: z.boolean().default(true).meta({ description: 'TCP_NODELAY on the client sockets' }),
  ...consumerOptions,
});
export type RedisStreamsOptions = z.output<typeof redisStreamsOptions>;

/**
 * Redis Streams on a real redis-server with ioredis: XADD by the publisher (send resolves on the
 * XADD reply, the entry id), XREADGROUP BLOCK by consumers in consumer groups, XACK after
 * processing. The server process creates this repetition's stream and work-queue group (key named
 * by the URL fragment) and deletes the stream on stop. Entry fields: `id` (seq) and `data` (the
 * record's JSON). Payload bytes: the JSON (publish); a delivery's bytes are the JSON received.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(redisStreamsOptions, server, client);
