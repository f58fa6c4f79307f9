import { splitEndpoint } from '../../toolkit/queue/consumer.js';
import { parseRecord } from '../../toolkit/queue/records.js';
import { outageOf } from '../../hops/fail.js';
import { connectConfirmPublisher, openChannel, openConnection } from '../amqp/connection.js';
import type {
  ClientContext,
  PatternClient,
  SubscriberContext,
  Subscription,
} from '../../toolkit/contract.js';
import { consumeWithOutage, stageQueue } from './consume.js';
import type { QueueChainOptions } from './index.js';

/**
 * The caller: publishes the record's JSON to queue 1 on a confirm channel; send() resolves once
 * the broker confirmed it (the caller is done: publish and return).
 */
export function connect(ctx: ClientContext<QueueChainOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const queue = stageQueue(name, 1);
  return connectConfirmPublisher(ctx, url, '', () => queue);
}

/**
 * The last service of the pipeline, in the driver: consumes queue N, reports each message as a
 * delivery (publish → here is the end-to-end latency) and acks it. Under failHop on hop N it
 * stops consuming for a while like a stage.
 */
export async function subscribe(ctx: SubscriberContext<QueueChainOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const { hops, prefetch, failHop } = ctx.options;
  const model = await openConnection(url, ctx.timeoutMs);
  const consumer = await openChannel(model, false, async (channel) => {
    await channel.prefetch(prefetch);
    return consumeWithOutage(
      channel,
      stageQueue(name, hops),
      (m) => {
        const record = parseRecord(m.content.toString());
        const seq = typeof record?.seq === 'number' ? record.seq : Number(m.properties.messageId);
        ctx.deliver(seq, record, m.content.length);
        channel.ack(m);
      },
      outageOf(failHop, hops),
    );
  });
  let closed = false;
  return {
    async close() {
      if (closed) return;
      closed = true;
      consumer.stop();
      await model.close().catch(() => undefined);
    },
  };
}
