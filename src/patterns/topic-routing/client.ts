import { runConsumer, splitEndpoint } from '../queue/consumer.js';
import type { EchoRecord } from '../../message.js';
import { openNats } from '../nats/client.js';
import {
  OpError,
  toOpError,
  type ClientContext,
  type PatternClient,
  type SubscriberContext,
  type Subscription,
} from '../types.js';
import { patternOf, topicOf, type TopicRoutingOptions } from './index.js';

/** The publisher: each record to its topic's subject, then flush. */
export async function connectTopicPublisher(ctx: ClientContext<TopicRoutingOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const nc = await openNats(url, ctx.timeoutMs, true);
  let closed = false;
  return {
    async send(msg: EchoRecord) {
      if (closed || nc.isClosed()) throw new OpError('connection', 'client closed');
      const body = Buffer.from(JSON.stringify(msg));
      try {
        nc.publish(`${name}.${topicOf(msg.seq)}`, body);
        await nc.flush();
      } catch (err) {
        throw toOpError(err);
      }
      ctx.payload.add(body.length, 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      await nc.close().catch(() => undefined);
    },
  };
}

/** Subscriber i: `orders.*` or `payments.*` (own), or `*.*` (all). */
export async function subscribeTopics(ctx: SubscriberContext<TopicRoutingOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const subject = `${name}.${ctx.options.subscribe === 'all' ? '*.*' : patternOf(ctx.index)}`;
  const consumer = { ...ctx, options: { idempotent: false, processMs: 0 } };
  return runConsumer(consumer, `nats ${ctx.url.href} ${ctx.index}`, async (onMessage, onLost) => {
    const nc = await openNats(url, ctx.timeoutMs, true);
    let ending = false;
    void nc.closed().then((err) => {
      if (!ending) onLost(err instanceof Error ? err : new Error('connection closed'));
    });
    nc.subscribe(subject, {
      callback: (err, m) => {
        if (!err) onMessage({ body: Buffer.from(m.data), id: '', ack: () => undefined });
      },
    });
    await nc.flush();
    return {
      kill() {
        ending = true;
        void nc.close().catch(() => undefined);
      },
      async close() {
        ending = true;
        await nc.close().catch(() => undefined);
      },
    };
  });
}
