import { runConsumer, splitEndpoint } from '../../toolkit/queue/consumer.js';
import { natsClient, natsConsumer } from '../nats/client.js';
import type {
  ClientContext,
  PatternClient,
  SubscriberContext,
  Subscription,
} from '../../toolkit/contract.js';
import { patternOf, topicOf, type TopicRoutingOptions } from './index.js';

/** The publisher: each record to its topic's subject, then flush. */
export function connect(ctx: ClientContext<TopicRoutingOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  return natsClient(ctx, url, (msg) => `${name}.${topicOf(msg.seq)}`, { flush: true });
}

/** Subscriber i: `orders.*` or `payments.*` (own), or `*.*` (all). */
export function subscribe(ctx: SubscriberContext<TopicRoutingOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const subject = `${name}.${ctx.options.subscribe === 'all' ? '*.*' : patternOf(ctx.index)}`;
  const consumer = { ...ctx, options: { idempotent: false, processMs: 0 } };
  return runConsumer(
    consumer,
    `nats ${ctx.url.href} ${ctx.index}`,
    natsConsumer(url, ctx.timeoutMs, subject),
  );
}
