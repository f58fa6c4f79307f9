import type { ConsumeMessage } from 'amqplib';
import { runConsumer, splitEndpoint } from '../queue/consumer.js';
import type { EchoRecord } from '../../message.js';
import { openConnection } from '../amqp/client.js';
import { startQueueServer } from '../queue/server.js';
import { amqpOptions } from '../amqp/index.js';
import {
  OpError,
  toOpError,
  type ClientContext,
  type PatternClient,
  type RunningServer,
  type SubscriberContext,
  type Subscription,
} from '../types.js';
import { patternOf, topicOf, type TopicRoutingOptions } from './index.js';

/** Socket options of the amqp pattern's defaults (TCP_NODELAY on). */
const socket = amqpOptions.parse({});
const exchangeOf = (endpoint: string): string => `${endpoint}.topics`;

/** This run's topic exchange, named by the URL fragment; deleted on stop. */
export function startExchangeServer(): Promise<RunningServer> {
  return startQueueServer('rabbitmq', async (brokerUrl, endpoint) => {
    const model = await openConnection(brokerUrl, socket, 10_000);
    try {
      const channel = await model.createChannel();
      await channel.assertExchange(exchangeOf(endpoint), 'topic', { durable: false });
      await channel.close();
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err;
    }
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
export async function connectExchangePublisher(
  ctx: ClientContext<TopicRoutingOptions>,
): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const model = await openConnection(url, socket, ctx.timeoutMs);
  let closed = false;
  let lost: OpError | undefined;
  /** Sends waiting for their confirm: failed at once when the connection closes. */
  const waiting = new Set<(err: OpError) => void>();
  model.once('close', () => {
    lost = new OpError('connection', 'connection to the broker closed');
    for (const fail of waiting) fail(lost);
    waiting.clear();
  });
  const channel = await model.createConfirmChannel().catch(async (err: unknown) => {
    await model.close().catch(() => undefined);
    throw toOpError(err);
  });
  channel.on('error', () => undefined);
  const exchange = exchangeOf(name);
  return {
    async send(msg: EchoRecord) {
      if (closed) throw new OpError('connection', 'client closed');
      if (lost) throw lost;
      const body = Buffer.from(JSON.stringify(msg));
      await new Promise<void>((resolve, reject) => {
        waiting.add(reject);
        const props = { messageId: String(msg.seq), contentType: 'application/json' };
        channel.publish(exchange, topicOf(msg.seq), body, props, (err: unknown) => {
          waiting.delete(reject);
          if (err) reject(new OpError('protocol', 'broker nacked the message'));
          else resolve();
        });
      });
      ctx.payload.add(body.length, 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      await model.close().catch(() => undefined);
    },
  };
}

/** Subscriber i: its own exclusive queue bound with `orders.*` or `payments.*` (own), or `*.*` (all); auto-ack. */
export async function subscribeExchange(ctx: SubscriberContext<TopicRoutingOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const bindingKey = ctx.options.subscribe === 'all' ? '*.*' : patternOf(ctx.index);
  const consumer = { ...ctx, options: { idempotent: false, processMs: 0 } };
  return runConsumer(consumer, `topic ${ctx.url.href} ${ctx.index}`, async (onMessage, onLost) => {
    const model = await openConnection(url, socket, ctx.timeoutMs);
    let ending = false;
    model.once('close', (err?: Error) => {
      if (!ending) onLost(err ?? new Error('connection closed'));
    });
    try {
      const channel = await model.createChannel();
      channel.on('error', () => undefined);
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      await channel.bindQueue(queue, exchangeOf(name), bindingKey);
      await channel.consume(
        queue,
        (m: ConsumeMessage | null) => {
          if (m) onMessage({ body: m.content, id: '', ack: () => undefined });
        },
        { noAck: true },
      );
    } catch (err) {
      ending = true;
      await model.close().catch(() => undefined);
      throw toOpError(err);
    }
    return {
      kill() {
        ending = true;
        void model.close().catch(() => undefined);
      },
      async close() {
        ending = true;
        await model.close().catch(() => undefined);
      },
    };
  });
}
