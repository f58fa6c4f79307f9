import { startServer as startNatsServer } from '../nats/server.js';
import { natsOptions } from '../nats/index.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { TopicRoutingOptions } from './index.js';

/**
 * The broker-side setup: for NATS the nats pattern's (a broker and a fresh subject prefix); for
 * RabbitMQ this run's topic exchange.
 */
export async function startServer(ctx: ServerContext<TopicRoutingOptions>): Promise<RunningServer> {
  if (ctx.options.broker === 'rabbitmq') {
    const { startExchangeServer } = await import('./amqp.js');
    return startExchangeServer();
  }
  return startNatsServer({ ...ctx, options: natsOptions.parse({ mode: 'pubsub' }) });
}
