import { connect as natsConnect, type NatsConnection } from 'nats';
import { runConsumer, splitEndpoint, type OpenConsumer } from '../../toolkit/queue/consumer.js';
import type { EchoRecord } from '../../message.js';
import { replyProblem } from '../../toolkit/queue/records.js';
import {
  OpError,
  toOpError,
  type ClientContext,
  type PatternClient,
  type SubscriberContext,
  type Subscription,
} from '../../toolkit/contract.js';
import type { NatsOptions } from './index.js';

export const subjects = (endpoint: string): { topic: string; rpc: string } => ({
  topic: `${endpoint}.msgs`,
  rpc: `${endpoint}.rpc`,
});
const queueGroup = 'workers';

function natsError(err: unknown): OpError {
  const e = toOpError(err);
  if (/TIMEOUT/i.test(e.message)) return new OpError('timeout', e.message, { cause: err });
  if (e.kind === 'protocol' && /CONNECTION|CLOSED|DISCONNECT|ECONN/i.test(e.message)) {
    return new OpError('connection', e.message, { cause: err });
  }
  return e;
}

/** One connection; reconnects by itself (after a broker restart) when `reconnect`. */
export async function openNats(url: URL, timeoutMs: number, reconnect: boolean): Promise<NatsConnection> {
  try {
    return await natsConnect({
      servers: `${url.hostname}:${url.port || '4222'}`,
      ...(url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : {}),
      timeout: timeoutMs,
      reconnect,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
      waitOnFirstConnect: false,
    });
  } catch (err) {
    throw natsError(err);
  }
}

/** The publisher (work-queue, pubsub) or requester (rpc). */
export function connect(ctx: ClientContext<NatsOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const s = subjects(name);
  const o = ctx.options;
  return o.mode === 'rpc'
    ? natsClient(ctx, url, () => s.rpc, { request: true })
    : natsClient(ctx, url, () => s.topic, { flush: o.flush });
}

/**
 * A client on its own connection (reconnecting after a broker restart) sending each record's JSON
 * to `subjectOf(record)`: published, and with `flush` resolved once the server has processed it
 * (PING/PONG); with `request` resolved with the reply, whose seq (and with `verify`, whole record)
 * must be the request's.
 */
export async function natsClient(
  ctx: ClientContext<unknown>,
  url: URL,
  subjectOf: (msg: EchoRecord) => string,
  how: { readonly flush?: boolean; readonly request?: boolean },
): Promise<PatternClient> {
  const nc = await openNats(url, ctx.timeoutMs, true);
  let closed = false;
  return {
    async send(msg: EchoRecord, verify: boolean) {
      if (closed || nc.isClosed()) throw new OpError('connection', 'client closed');
      const body = Buffer.from(JSON.stringify(msg));
      try {
        if (how.request) {
          const reply = await nc.request(subjectOf(msg), body, { timeout: ctx.timeoutMs });
          const problem = replyProblem(Buffer.from(reply.data).toString(), msg, verify);
          if (problem) throw problem;
          ctx.payload.add(body.length, reply.data.length);
          return;
        }
        nc.publish(subjectOf(msg), body);
        if (how.flush) await nc.flush();
      } catch (err) {
        throw natsError(err);
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

/**
 * A consumer connection for runConsumer: subscribes to `subject`, as a member of `queue` when
 * given (competing consumers); resolves once the server has registered the subscription.
 */
export function natsConsumer(url: URL, timeoutMs: number, subject: string, queue?: string): OpenConsumer {
  return async (onMessage, onLost) => {
    const nc = await openNats(url, timeoutMs, true);
    let ending = false;
    void nc.closed().then((err) => {
      if (!ending) onLost(err instanceof Error ? err : new Error('connection closed'));
    });
    nc.subscribe(subject, {
      ...(queue === undefined ? {} : { queue }),
      callback: (err, m) => {
        if (!err) onMessage({ body: Buffer.from(m.data), id: '', ack: () => undefined });
      },
    });
    // The subscription is registered once the server has processed SUB (flush = PING/PONG).
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
  };
}

/** One subscriber: a queue-group member (work-queue) or a plain subscription (pubsub). */
export function subscribe(ctx: SubscriberContext<NatsOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const queue = ctx.options.mode === 'work-queue' ? queueGroup : undefined;
  return runConsumer(
    ctx,
    `nats ${ctx.url.href}`,
    natsConsumer(url, ctx.timeoutMs, subjects(name).topic, queue),
  );
}
