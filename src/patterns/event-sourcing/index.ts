import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `event-sourcing` pattern (scenario `options:`); the server and the clients read the same. */
export const eventSourcingOptions = z.strictObject({
  /**
   * The log: `redis` a Redis stream (XADD, replayed with XRANGE in batches); `rabbitmq` a RabbitMQ
   * stream queue (`x-queue-type: stream`, AMQP 0-9-1: confirmed publishes, replayed by a consumer
   * from `x-stream-offset: first` with a prefetch).
   */
  broker: z.enum(['redis', 'rabbitmq']).default('redis'),
  /**
   * `append`: one operation appends one event (resolves when the broker has stored it: the XADD
   * reply, the publisher confirm). `replay`: each connection first appends `events` events to its
   * own log while computing the balances, then one operation rebuilds the balances by replaying the
   * whole log from the start; an operation whose rebuilt state differs fails (kind mismatch).
   */
  phase: z.enum(['append', 'replay']).default('replay'),
  events: z.int().min(1).max(10_000_000).default(10_000).meta({
    description: 'replay: events in the log (N); latency is the time to rebuild from N events',
  }),
  batch: z.int().min(1).max(100_000).default(1000).meta({
    description:
      'events per XRANGE call (redis) or consumer prefetch (rabbitmq) when replaying; appends in flight when seeding',
  }),
  accounts: z.int().min(1).default(100).meta({ description: 'accounts the events are spread over' }),
});
export type EventSourcingOptions = z.output<typeof eventSourcingOptions>;

/**
 * Event sourcing on a real broker's log: append account events (deposits, withdrawals), rebuild the
 * balances by replaying them. Redis streams or a RabbitMQ stream queue (`broker`). In `replay`
 * phase an operation is one full rebuild, so the latency columns are the time to rebuild from
 * `events` events and replay throughput is events / latency (events/s); the payload column is the
 * bytes replayed per rebuild. In `append` phase an operation is one stored event (appends/s).
 * The server process picks the run's names (URL fragment) and creates the shared append log; each
 * replay connection seeds its own log at connect (outside the measured window) and deletes it on close.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(eventSourcingOptions, server, client);
