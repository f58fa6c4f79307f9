import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { runConsumer, splitEndpoint, type Incoming } from '../../toolkit/queue/consumer.js';
import type { EchoRecord } from '../../message.js';
import { replyProblem } from '../../toolkit/queue/records.js';
import { PendingQueue } from '../../toolkit/pending.js';
import {
  OpError,
  toOpError,
  withOpTimeout,
  type ClientContext,
  type PatternClient,
  type SubscriberContext,
  type Subscription,
} from '../../toolkit/contract.js';
import { amqpConsumer, openChannel, openConnection, PublishOp } from './connection.js';
import type { AmqpOptions } from './index.js';
import { names, routingKey } from './names.js';

const directReplyTo = 'amq.rabbitmq.reply-to';
const reconnectDelayMs = 100;
const nacked = 'broker nacked the message';

interface Link {
  readonly model: ChannelModel;
  readonly channel: Channel | ConfirmChannel;
  readonly failed: Promise<OpError>;
}

/**
 * The publisher. work-queue / pubsub: send() resolves once the message is written to the socket,
 * or with `confirm` once the broker acked it; with `confirm` an unconfirmed message is published
 * again after a reconnect until the timeout (at-least-once on the producer side). rpc: send()
 * resolves when the reply with its correlation id has arrived.
 */
export async function connect(ctx: ClientContext<AmqpOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const o = ctx.options;
  const n = names(name);
  const replies = new Map<string, { resolve(body: Buffer): void; reject(err: OpError): void }>();
  let closed = false;
  let link: Link | undefined;
  let linking: Promise<Link> | undefined;

  const open = async (): Promise<Link> => {
    const model = await openConnection(url, ctx.timeoutMs, o.noDelay);
    const channel = await openChannel(model, o.confirm && o.mode !== 'rpc', async (channel) => {
      if (o.mode === 'rpc') {
        await channel.consume(
          directReplyTo,
          (m) => {
            if (!m) return;
            const waiter = replies.get(String(m.properties.correlationId));
            replies.delete(String(m.properties.correlationId));
            waiter?.resolve(m.content);
          },
          { noAck: true },
        );
      }
      return channel;
    });
    const failed = new Promise<OpError>((resolve) => {
      model.once('close', (err?: Error) => {
        if (link?.model === model) link = undefined;
        const e = err ? toOpError(err) : new OpError('connection', 'connection to the broker closed');
        const failure = e.kind === 'protocol' ? new OpError('connection', e.message, { cause: err }) : e;
        for (const waiter of replies.values()) waiter.reject(failure);
        replies.clear();
        resolve(failure);
      });
    });
    return { model, channel, failed };
  };
  const current = async (): Promise<Link> => {
    if (closed) throw new OpError('connection', 'client closed');
    if (link) return link;
    linking ??= open().finally(() => (linking = undefined));
    link = await linking;
    return link;
  };

  link = await open();

  const publishOnce = async (l: Link, body: Buffer, msg: EchoRecord): Promise<void> => {
    const props = {
      messageId: String(msg.seq),
      contentType: 'application/json',
      persistent: o.persistent,
    };
    if (o.confirm) {
      const confirm = l.channel as ConfirmChannel;
      await Promise.race([
        new Promise<void>((resolve, reject) =>
          confirm.publish(exchange, key, body, props, (err: unknown) =>
            err ? reject(new OpError('protocol', nacked)) : resolve(),
          ),
        ),
        l.failed.then((e) => Promise.reject(e)),
      ]);
    } else if (!l.channel.publish(exchange, key, body, props)) {
      await new Promise<void>((resolve) => l.channel.once('drain', () => resolve()));
    }
  };

  const [exchange, key] = o.mode === 'pubsub' ? [n.exchange, routingKey] : ['', n.queue];
  const pending = new PendingQueue<PublishOp>(ctx.timeoutMs);

  /**
   * The hot path while the link is up: one publish, settled by its confirm callback (or at once
   * without confirms), deadlines swept by one PendingQueue timer — no per-message timer, race or
   * async frame. A nack, a full socket buffer or no link goes the slow way (sendSlow: reconnect
   * and republish until the deadline).
   */
  const send = (msg: EchoRecord, verify: boolean): Promise<void> => {
    const body = Buffer.from(JSON.stringify(msg));
    if (o.mode === 'rpc') return call(body, msg, verify);
    const l = link;
    if (l === undefined || closed) return sendSlow(body, msg, performance.now() + ctx.timeoutMs);
    const props = { messageId: String(msg.seq), contentType: 'application/json', persistent: o.persistent };
    if (!o.confirm) {
      if (!l.channel.publish(exchange, key, body, props)) {
        return new Promise<void>((resolve) => l.channel.once('drain', () => resolve())).then(() =>
          ctx.payload.add(body.length, 0),
        );
      }
      ctx.payload.add(body.length, 0);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const op = new PublishOp(performance.now() + ctx.timeoutMs, reject);
      pending.push(op);
      (l.channel as ConfirmChannel).publish(exchange, key, body, props, (err: unknown) => {
        if (op.settled) return;
        op.settled = true;
        pending.dropSettled();
        if (!err) {
          ctx.payload.add(body.length, 0);
          return resolve();
        }
        // Nacked, or the channel closed: republished as the slow path would, after its delay.
        if (closed || performance.now() + reconnectDelayMs >= op.deadline) {
          return reject(new OpError('protocol', nacked));
        }
        setTimeout(() => sendSlow(body, msg, op.deadline).then(resolve, reject), reconnectDelayMs);
      });
    });
  };

  const sendSlow = async (body: Buffer, msg: EchoRecord, deadline: number): Promise<void> => {
    for (;;) {
      try {
        await withTimeout(
          current().then((l) => publishOnce(l, body, msg)),
          deadline - performance.now(),
        );
        ctx.payload.add(body.length, 0);
        return;
      } catch (err) {
        const e = toOpError(err);
        // Producer-side at-least-once: with confirms, republish what the broker did not confirm.
        // A nack (amqplib also nacks what was outstanding when the channel closed) is retried too.
        const retriable = e.kind === 'connection' || e.message === nacked;
        if (!o.confirm || closed || !retriable || performance.now() >= deadline) throw e;
        await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs));
      }
    }
  };

  const call = async (body: Buffer, msg: EchoRecord, verify: boolean): Promise<void> => {
    const l = await current();
    const id = String(msg.seq);
    const reply = new Promise<Buffer>((resolve, reject) => replies.set(id, { resolve, reject }));
    l.channel.sendToQueue(n.rpcQueue, body, {
      correlationId: id,
      replyTo: directReplyTo,
      contentType: 'application/json',
    });
    let content: Buffer;
    try {
      content = await withTimeout(reply, ctx.timeoutMs);
    } finally {
      replies.delete(id);
    }
    const problem = replyProblem(content.toString(), msg, verify);
    if (problem) throw problem;
    ctx.payload.add(body.length, content.length);
  };

  return {
    send,
    async close() {
      if (closed) return;
      closed = true;
      pending.failAll(new OpError('connection', 'client closed'));
      const l = link;
      link = undefined;
      for (const waiter of replies.values()) waiter.reject(new OpError('connection', 'client closed'));
      replies.clear();
      await l?.model.close().catch(() => undefined);
    },
  };
}

/** `promise` within `ms`, else a timeout op error naming the broker. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return withOpTimeout(promise, ms, `no answer from the broker within ${Math.round(ms)} ms`);
}

/**
 * One consumer. work-queue: consumes the shared queue (competing consumers); pubsub: its own
 * exclusive queue bound to the exchange. Manual ack after processing, or auto-ack.
 */
export async function subscribe(ctx: SubscriberContext<AmqpOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const o = ctx.options;
  const n = names(name);
  const noAck = o.ack === 'auto';
  const consume = async (channel: Channel, onMessage: (m: Incoming) => void) => {
    if (!noAck && o.prefetch > 0) await channel.prefetch(o.prefetch);
    let queue = n.queue;
    if (o.mode === 'pubsub') {
      queue = (await channel.assertQueue('', { exclusive: true, autoDelete: true })).queue;
      await channel.bindQueue(queue, n.exchange, o.exchange === 'topic' ? 'commbench.#' : '');
    }
    await channel.consume(
      queue,
      (m: ConsumeMessage | null) => {
        if (!m) return;
        onMessage({
          body: m.content,
          id: String(m.properties.messageId),
          ack: noAck ? () => undefined : () => channel.ack(m),
        });
      },
      { noAck },
    );
    // Ready messages of its queue: its own (pubsub); the shared one is reported by subscriber 0.
    return async () =>
      o.mode === 'work-queue' && ctx.index !== 0 ? 0 : (await channel.checkQueue(queue)).messageCount;
  };
  return runConsumer(ctx, `amqp ${ctx.url.href}`, amqpConsumer(url, ctx.timeoutMs, o.noDelay, consume));
}
