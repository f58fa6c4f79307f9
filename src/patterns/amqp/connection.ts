import type { Socket } from 'node:net';
import amqplib, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../../toolkit/pending.js';
import type { Incoming, OpenConsumer } from '../../toolkit/queue/consumer.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';

/** The AMQP 0-9-1 pieces the RabbitMQ patterns share (amqp, queue-chain, topic-routing, event-sourcing). */

/** Opens an amqplib connection, TCP_NODELAY on unless `noDelay` is false; OpError on failure. */
export async function openConnection(url: URL, timeoutMs: number, noDelay = true): Promise<ChannelModel> {
  try {
    const model = await amqplib.connect(url.href, { noDelay, timeout: timeoutMs });
    model.on('error', () => undefined);
    return model;
  } catch (err) {
    throw toOpError(err);
  }
}

/**
 * A channel of `model` (a confirm channel when `confirm`; its errors surface as its or the
 * connection's 'close') with `setup` done on it. When either fails the connection is closed
 * (`failing` is called first, so that a 'close' listener can tell this from a lost connection)
 * and the error is an OpError.
 */
export async function openChannel<T>(
  model: ChannelModel,
  confirm: boolean,
  setup: (channel: Channel) => Promise<T>,
  failing?: () => void,
): Promise<T> {
  try {
    const channel = confirm ? await model.createConfirmChannel() : await model.createChannel();
    channel.on('error', () => undefined);
    return await setup(channel);
  } catch (err) {
    failing?.();
    await model.close().catch(() => undefined);
    throw toOpError(err);
  }
}

/** A fresh connection and a confirm channel on it. */
export async function openConfirmChannel(
  url: URL,
  timeoutMs: number,
): Promise<{ model: ChannelModel; channel: ConfirmChannel }> {
  const model = await openConnection(url, timeoutMs);
  const channel = await openChannel(model, true, (c) => Promise.resolve(c as ConfirmChannel));
  return { model, channel };
}

/** The socket under an amqplib connection (to destroy it as a crash would). */
function socketOf(model: ChannelModel): Socket | undefined {
  return (model.connection as unknown as { stream?: Socket }).stream;
}

/**
 * A consumer connection for runConsumer: a fresh connection and channel on which `consume`
 * declares what it needs and starts consuming, passing each message to `onMessage` (its failure
 * closes the connection). The connection closing unasked is reported as lost; kill() resets the
 * socket as a crash would. `consume` resolves with how to ask the messages still queued for it.
 */
export function amqpConsumer(
  url: URL,
  timeoutMs: number,
  noDelay: boolean,
  consume: (
    channel: Channel,
    onMessage: (m: Incoming) => void,
  ) => Promise<(() => Promise<number | undefined>) | void>,
): OpenConsumer {
  return async (onMessage, onLost) => {
    const model = await openConnection(url, timeoutMs, noDelay);
    let ending = false;
    model.once('close', (err?: Error) => {
      if (!ending) onLost(err ?? new Error('connection closed'));
    });
    const queued = await openChannel(
      model,
      false,
      (channel) => consume(channel, onMessage),
      () => (ending = true),
    );
    return {
      kill() {
        ending = true;
        // With an error, as a crash's reset: amqplib listens for 'error'/'end', not 'close', and
        // without one keeps its heartbeat timers until three missed beats (about 3 minutes).
        socketOf(model)?.destroy(new Error('consumer killed'));
      },
      ...(queued ? { queued } : {}),
      async close() {
        ending = true;
        await model.close().catch(() => undefined);
      },
    };
  };
}

/** A confirm-mode publish awaiting its confirm; rejected by the PendingQueue at its deadline. */
export class PublishOp implements PendingOp {
  settled = false;
  constructor(
    readonly deadline: number,
    readonly reject: (err: OpError) => void,
  ) {}
}

/**
 * A publisher on a fresh connection and confirm channel: send() publishes the record's JSON to
 * `exchange` with routing key `keyOf(record)` and resolves once the broker confirmed it; a nack,
 * no confirm within the timeout or the connection closing rejects it.
 */
export async function connectConfirmPublisher(
  ctx: ClientContext<unknown>,
  url: URL,
  exchange: string,
  keyOf: (msg: EchoRecord) => string,
): Promise<PatternClient> {
  const { model, channel } = await openConfirmChannel(url, ctx.timeoutMs);
  let closed = false;
  let lost: OpError | undefined;
  const pending = new PendingQueue<PublishOp>(ctx.timeoutMs);
  model.once('close', (err?: Error) => {
    lost = new OpError('connection', err ? err.message : 'connection to the broker closed');
    pending.failAll(lost);
  });
  return {
    send(msg: EchoRecord) {
      if (closed) return Promise.reject(new OpError('connection', 'client closed'));
      if (lost) return Promise.reject(lost);
      const body = Buffer.from(JSON.stringify(msg));
      return new Promise<void>((resolve, reject) => {
        const op = new PublishOp(performance.now() + ctx.timeoutMs, reject);
        pending.push(op);
        const props = { messageId: String(msg.seq), contentType: 'application/json' };
        channel.publish(exchange, keyOf(msg), body, props, (err: unknown) => {
          if (op.settled) return;
          op.settled = true;
          pending.dropSettled();
          if (err) return reject(new OpError('protocol', 'broker nacked the message'));
          ctx.payload.add(body.length, 0);
          resolve();
        });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      pending.failAll(new OpError('connection', 'client closed'));
      await model.close().catch(() => undefined);
    },
  };
}
