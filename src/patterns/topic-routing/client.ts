import type {
  ClientContext,
  PatternClient,
  SubscriberContext,
  Subscription,
} from '../../toolkit/contract.js';
import type { TopicRoutingOptions } from './index.js';

/** The chosen broker's publisher and consumers: NATS subjects or a RabbitMQ topic exchange. */
const broker = (o: TopicRoutingOptions) =>
  o.broker === 'rabbitmq' ? import('./amqp.js') : import('./nats.js');

export async function connect(ctx: ClientContext<TopicRoutingOptions>): Promise<PatternClient> {
  return (await broker(ctx.options)).connect(ctx);
}

export async function subscribe(ctx: SubscriberContext<TopicRoutingOptions>): Promise<Subscription> {
  return (await broker(ctx.options)).subscribe(ctx);
}
