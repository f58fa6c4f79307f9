import { z } from 'zod';
import { faultsOption } from '../queue/options.js';
import type { PatternCode } from '../types.js';
import { lazy } from '../lazy.js';

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
  idempotent: z.boolean().default(false).meta({
    description: 'effectively-once: skip (and ack) an entry whose id is already in the processed-ids store',
  }),
  processMs: z.number().min(0).default(0).meta({
    description: "consumer work after an entry's effect is applied and before XACK, ms",
  }),
  noDelay: z.boolean().default(true).meta({ description: 'TCP_NODELAY on the client sockets' }),
  faults: faultsOption.optional(),
});
export type RedisStreamsOptions = z.output<typeof redisStreamsOptions>;

/**
 * Redis Streams on a real redis-server with ioredis: XADD by the publisher (send resolves on the
 * XADD reply, the entry id), XREADGROUP BLOCK by consumers in consumer groups, XACK after
 * processing. The server process creates this repetition's stream and work-queue group (key named
 * by the URL fragment) and deletes the stream on stop. Entry fields: `id` (seq) and `data` (the
 * record's JSON). Payload bytes: the JSON (publish); a delivery's bytes are the JSON received.
 */
export default {
  options: redisStreamsOptions,
  startServer: lazy(() => import('./server.js'), 'startRedisStreamsServer'),
  connect: lazy(() => import('./client.js'), 'connectRedisStreams'),
  subscribe: lazy(() => import('./client.js'), 'subscribeRedisStreams'),
  deliveriesPerMessage: (options, subscribers) => (options.mode === 'work-queue' ? 1 : subscribers),
} satisfies PatternCode<RedisStreamsOptions>;
