import { connect, type NatsConnection } from 'nats';
import { runConsumer, splitEndpoint } from '../queue/consumer.js';
import { recordsEqual, type EchoRecord } from '../../message.js';
import {
  OpError,
  toOpError,
  type ClientContext,
  type PatternClient,
  type SubscriberContext,
  type Subscription,
} from '../types.js';
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
    return await connect({
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
export async function connectNats(ctx: ClientContext<NatsOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const s = subjects(name);
  const o = ctx.options;
  const nc = await openNats(url, ctx.timeoutMs, true);
  let closed = false;
  return {
    async send(msg: EchoRecord, verify: boolean) {
      if (closed || nc.isClosed()) throw new OpError('connection', 'client closed');
      const body = Buffer.from(JSON.stringify(msg));
      try {
        if (o.mode === 'rpc') {
          const reply = await nc.request(s.rpc, body, { timeout: ctx.timeoutMs });
          let echo: Partial<EchoRecord>;
          try {
            echo = JSON.parse(Buffer.from(reply.data).toString()) as Partial<EchoRecord>;
          } catch (err) {
            throw new OpError('protocol', `reply is not JSON: ${(err as Error).message}`);
          }
          if (echo.seq !== msg.seq) throw new OpError('mismatch', `reply seq ${echo.seq} != ${msg.seq}`);
          if (verify && !recordsEqual(echo, msg))
            throw new OpError('mismatch', `reply to seq ${msg.seq} differs from the request`);
          ctx.payload.add(body.length, reply.data.length);
          return;
        }
        nc.publish(s.topic, body);
        if (o.flush) await nc.flush();
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

/** One subscriber: a queue-group member (work-queue) or a plain subscription (pubsub). */
export async function subscribeNats(ctx: SubscriberContext<NatsOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const s = subjects(name);
  return runConsumer(ctx, `nats ${ctx.url.href}`, async (onMessage, onLost) => {
    const nc = await openNats(url, ctx.timeoutMs, true);
    let ending = false;
    void nc.closed().then((err) => {
      if (!ending) onLost(err instanceof Error ? err : new Error('connection closed'));
    });
    nc.subscribe(s.topic, {
      ...(ctx.options.mode === 'work-queue' ? { queue: queueGroup } : {}),
      callback: (err, m) => {
        if (err) return;
        const body = Buffer.from(m.data);
        onMessage({ body, id: '', ack: () => undefined });
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
  });
}
