import { z } from 'zod';
import { failHopOption } from '../../hops/fail.js';
import { pushPattern } from '../../toolkit/lazy.js';

/** Options of the `queue-chain` pattern (scenario `options:`). */
export const queueChainOptions = z
  .strictObject({
    /**
     * Services in the pipeline: the caller publishes to queue 1; services 1..N−1 are stage processes
     * (stage i consumes queue i and republishes to queue i+1); service N is the driver's subscriber.
     */
    hops: z.int().min(1).max(16).default(1),
    prefetch: z.int().min(1).default(100).meta({
      description: 'most unacked messages per stage and subscriber (each acks after forwarding)',
    }),
    /**
     * Stage `hop` stops consuming from `at` (after the first message it received) for `for`, then
     * resumes: its input queue backs up, the caller's publishes keep succeeding, nothing is lost.
     * Hop N is the driver's subscriber.
     */
    failHop: failHopOption.optional(),
  })
  .refine((o) => o.failHop === undefined || o.failHop.hop <= o.hops, {
    message: 'failHop.hop must be one of the hops (≤ hops)',
    path: ['failHop', 'hop'],
  });
export type QueueChainOptions = z.output<typeof queueChainOptions>;

/**
 * The call chain's work as an asynchronous pipeline over RabbitMQ queues (amqplib): the caller
 * publishes with publisher confirms (caller-perceived latency: until the broker accepted it) to
 * queue 1 and returns; the server process declares queues 1..N and forks N−1 stage processes, each
 * with its own connection, that consume queue i, parse and re-serialize the record (as the chain's
 * services do) and publish it to queue i+1, acking the input once the broker confirmed the output;
 * the driver's subscriber consumes queue N, so the delivery latency is end to end. `server.delay`
 * is added by every stage. Endpoint: amqp://host:port#name (queues name.1 .. name.N).
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(queueChainOptions, server, client, () => 1);
