import type { Channel, ConsumeMessage } from 'amqplib';
import { runConsumer, splitEndpoint, type Incoming } from '../../toolkit/queue/consumer.js';
import { amqpConsumer, connectConfirmPublisher, openChannel, openConnection } from '../amqp/connection.js';
import { startQueueServer } from '../../toolkit/queue/server.js';
import type {
  ClientContext,
  PatternClient,
  RunningServer,
  SubscriberContext,
  Subscription,
} from '../../toolkit/contract.js';
import { patternOf, topicOf, type TopicRoutingOptions } from './index.js';

const exchangeOf = (endpoint: string): string => `${endpoint}.topics`;

/** This run's topic exchange, named by the URL fragment; deleted on stop. */
export function startExchangeServer(): Promise<RunningServer> {
  return startQueueServer('rabbitmq', async (brokerUrl, endpoint) => {
    const model = await openConnection(brokerUrl, 10_000);
    await openChannel(model, false, async (channel) => {
      await channel.assertExchange(exchangeOf(endpoint), 'topic', { durable: false });
      await channel.close();
    });
    const cleanup = async (): Promise<void> => {
      try {
        const channel = await model.createChannel();
        await channel.deleteExchange(exchangeOf(endpoint));
      } finally {
        await model.close().catch(() => undefined);
      }
    };
    // The broker may already be gone: teardown never rejects.
    return { teardown: () => cleanup().catch(() => undefined) };
  });
}

/** The publisher: each record to the exchange with its topic as routing key; resolves on the broker's confirm. */
export function connect(ctx: ClientContext<TopicRoutingOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  return connectConfirmPublisher(ctx, url, exchangeOf(name), (msg) => topicOf(msg.seq));
}

/** Subscriber i: its own exclusive queue bound with `orders.*` or `payments.*` (own), or `*.*` (all); auto-ack. */
export function subscribe(ctx: SubscriberContext<TopicRoutingOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const bindingKey = ctx.options.subscribe === 'all' ? '*.*' : patternOf(ctx.index);
  const consumer = { ...ctx, options: { idempotent: false, processMs: 0 } };
  const consume = async (channel: Channel, onMessage: (m: Incoming) => void) => {
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, exchangeOf(name), bindingKey);
    await channel.consume(
      queue,
      (m: ConsumeMessage | null) => {
        if (m) onMessage({ body: m.content, id: '', ack: () => undefined });
      },
      { noAck: true },
    );
  };
  return runConsumer(
    consumer,
    `topic ${ctx.url.href} ${ctx.index}`,
    amqpConsumer(url, ctx.timeoutMs, true, consume),
  );
}
