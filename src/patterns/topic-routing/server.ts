import { startNatsServer } from '../nats/server.js';
import { natsOptions } from '../nats/index.js';
import type { RunningServer, ServerContext } from '../types.js';
import type { TopicRoutingOptions } from './index.js';

/** The nats pattern's broker-side setup: a broker (the run's or a throwaway one) and a fresh subject prefix. */
export function startTopicServer(ctx: ServerContext<TopicRoutingOptions>): Promise<RunningServer> {
  return startNatsServer({ ...ctx, options: natsOptions.parse({ mode: 'pubsub' }) });
}
