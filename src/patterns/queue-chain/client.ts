import amqplib, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { splitEndpoint } from '../queue/consumer.js';
import type { EchoRecord } from '../../message.js';
import { outageOf } from '../../hops/fail.js';
import {
  OpError,
  toOpError,
  type ClientContext,
  type PatternClient,
  type SubscriberContext,
  type Subscription,
} from '../types.js';
import { consumeWithOutage, stageQueue } from './consume.js';
import type { QueueChainOptions } from './index.js';

async function open(url: URL, timeoutMs: number): Promise<ChannelModel> {
  try {
    const model = await amqplib.connect(url.href, { noDelay: true, timeout: timeoutMs });
    model.on('error', () => undefined);
    return model;
  } catch (err) {
    throw toOpError(err);
  }
}

/**
 * The caller: publishes the record's JSON to queue 1 on a confirm channel; send() resolves once
 * the broker confirmed it (the caller is done: publish and return).
 */
export async function connectQueueChain(ctx: ClientContext<QueueChainOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const queue = stageQueue(name, 1);
  const model = await open(url, ctx.timeoutMs);
  let channel: ConfirmChannel;
  try {
    channel = await model.createConfirmChannel();
  } catch (err) {
    await model.close().catch(() => undefined);
    throw toOpError(err);
  }
  channel.on('error', () => undefined);
  let closed = false;
  let failure: OpError | undefined;
  const waiters = new Set<(err: OpError) => void>();
  model.once('close', (err?: Error) => {
    failure = err ? new OpError('connection', err.message) : new OpError('connection', 'connection closed');
    for (const w of waiters) w(failure);
    waiters.clear();
  });

  return {
    send(msg: EchoRecord) {
      if (closed) return Promise.reject(new OpError('connection', 'client closed'));
      if (failure) return Promise.reject(failure);
      const body = Buffer.from(JSON.stringify(msg));
      return new Promise<void>((resolve, reject) => {
        const fail = (err: OpError): void => {
          clearTimeout(timer);
          reject(err);
        };
        const timer = setTimeout(() => {
          waiters.delete(fail);
          reject(new OpError('timeout', `no confirm within ${ctx.timeoutMs} ms`));
        }, ctx.timeoutMs);
        waiters.add(fail);
        channel.publish(
          '',
          queue,
          body,
          { messageId: String(msg.seq), contentType: 'application/json' },
          (err: unknown) => {
            waiters.delete(fail);
            clearTimeout(timer);
            if (err) return reject(new OpError('protocol', 'broker nacked the message'));
            ctx.payload.add(body.length, 0);
            resolve();
          },
        );
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await model.close().catch(() => undefined);
    },
  };
}

/**
 * The last service of the pipeline, in the driver: consumes queue N, reports each message as a
 * delivery (publish → here is the end-to-end latency) and acks it. Under failHop on hop N it
 * stops consuming for a while like a stage.
 */
export async function subscribeQueueChain(ctx: SubscriberContext<QueueChainOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const { hops, prefetch, failHop } = ctx.options;
  const model = await open(url, ctx.timeoutMs);
  let consumer: { stop(): void };
  try {
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    await channel.prefetch(prefetch);
    consumer = await consumeWithOutage(
      channel,
      stageQueue(name, hops),
      (m) => {
        const text = m.content.toString();
        let record: Partial<EchoRecord> | undefined;
        try {
          record = JSON.parse(text) as Partial<EchoRecord>;
        } catch {
          record = undefined;
        }
        const seq = typeof record?.seq === 'number' ? record.seq : Number(m.properties.messageId);
        ctx.deliver(seq, record, m.content.length);
        channel.ack(m);
      },
      outageOf(failHop, hops),
    );
  } catch (err) {
    await model.close().catch(() => undefined);
    throw toOpError(err);
  }
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
