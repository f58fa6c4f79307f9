import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { runConsumer, splitEndpoint } from '../../toolkit/queue/consumer.js';
import type { EchoRecord } from '../../message.js';
import {
  OpError,
  toOpError,
  withOpTimeout,
  type ClientContext,
  type PatternClient,
  type SubscriberContext,
  type Subscription,
} from '../../toolkit/contract.js';
import type { RedisStreamsOptions } from './index.js';

export const workGroup = 'workers';
export const streamKey = (endpoint: string): string => `${endpoint}:stream`;
const blockMs = 500;

/** ioredis errors without an errno code are connection states ('Connection is closed', ...). */
function redisError(err: unknown): OpError {
  const e = toOpError(err);
  if (e.kind === 'protocol' && /closed|writeable|connect|ECONN|reset/i.test(e.message)) {
    return new OpError('connection', e.message, { cause: err });
  }
  return e;
}

/** One connection, connected; no automatic reconnection (the callers decide), no offline queue. */
export async function openRedis(url: URL, options: RedisStreamsOptions, timeoutMs: number): Promise<Redis> {
  const redis = new Redis(url.href, {
    lazyConnect: true,
    noDelay: options.noDelay,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw redisError(err);
  }
  return redis;
}

/** The publisher: XADD; send() resolves on the reply (the entry id), i.e. once Redis has the entry. */
export async function connect(ctx: ClientContext<RedisStreamsOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const key = streamKey(name);
  let redis: Redis | undefined = await openRedis(url, ctx.options, ctx.timeoutMs);
  let reopening: Promise<Redis> | undefined;
  let closed = false;
  const noReply = `no reply from Redis within ${ctx.timeoutMs} ms`;
  const current = async (): Promise<Redis> => {
    if (closed) throw new OpError('connection', 'client closed');
    if (redis && redis.status === 'ready') return redis;
    // After a broker restart: one reconnect attempt per send, shared by concurrent sends.
    reopening ??= openRedis(url, ctx.options, ctx.timeoutMs).finally(() => (reopening = undefined));
    const fresh = await reopening;
    if (redis !== fresh) redis?.disconnect();
    redis = fresh;
    return fresh;
  };
  return {
    async send(msg: EchoRecord) {
      const data = JSON.stringify(msg);
      try {
        const r = await current();
        await withOpTimeout(r.xadd(key, '*', 'id', String(msg.seq), 'data', data), ctx.timeoutMs, noReply);
      } catch (err) {
        throw redisError(err);
      }
      ctx.payload.add(Buffer.byteLength(data), 0);
    },
    close() {
      if (!closed) {
        closed = true;
        redis?.disconnect();
        redis = undefined;
      }
      return Promise.resolve();
    },
  };
}

type Entries = [id: string, fields: string[] | null][];
/** RESP2 replies [[key, entries]]; RESP3 (ioredis 6's default) a map, flattened to [key, entries]. */
type StreamReply = [key: string, entries: Entries][] | [key: string, entries: Entries] | null;

function entriesOf(reply: StreamReply): Entries {
  if (!reply || reply.length === 0) return [];
  const first = reply[0];
  return typeof first === 'string' ? ((reply[1] as Entries | undefined) ?? []) : (first?.[1] ?? []);
}

/**
 * One consumer: XREADGROUP BLOCK in a loop, in the shared work group or in its own group (pubsub).
 * With manual ack it first re-reads its own pending entries (id 0), so entries delivered to a
 * consumer that died before XACK are delivered again when it comes back (at-least-once).
 */
export async function subscribe(ctx: SubscriberContext<RedisStreamsOptions>): Promise<Subscription> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const o = ctx.options;
  const key = streamKey(name);
  const group = o.mode === 'work-queue' ? workGroup : `${name}.g${ctx.index}`;
  const consumer = `c${ctx.index}`;
  const noAck = o.ack === 'auto';
  return runConsumer(ctx, `redis ${ctx.url.href}`, async (onMessage, onLost) => {
    const redis = await openRedis(url, o, ctx.timeoutMs);
    let ending = false;
    if (o.mode === 'pubsub') {
      try {
        await redis.call('XGROUP', 'CREATE', key, group, '$', 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test(String(err))) {
          redis.disconnect();
          throw redisError(err);
        }
      }
    }
    const loop = async (): Promise<void> => {
      let cursor = noAck ? '>' : '0';
      while (!ending) {
        const reply = (await redis.call(
          'XREADGROUP',
          'GROUP',
          group,
          consumer,
          'COUNT',
          o.batch,
          'BLOCK',
          blockMs,
          ...(noAck ? ['NOACK'] : []),
          'STREAMS',
          key,
          cursor,
        )) as StreamReply;
        const entries = entriesOf(reply);
        if (cursor !== '>') cursor = entries.length === 0 ? '>' : (entries[entries.length - 1]?.[0] ?? '>');
        for (const [entryId, fields] of entries) {
          if (!fields) continue;
          let id = '';
          let data = '';
          for (let i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i] === 'id') id = fields[i + 1] as string;
            else if (fields[i] === 'data') data = fields[i + 1] as string;
          }
          onMessage({
            body: data,
            id,
            ack: noAck ? () => undefined : () => void redis.xack(key, group, entryId).catch(() => undefined),
          });
        }
      }
    };
    void loop().catch((err: unknown) => {
      if (!ending) {
        ending = true;
        redis.disconnect();
        onLost(err instanceof Error ? err : new Error(String(err)));
      }
    });
    return {
      // Entries not yet read by its group (XINFO GROUPS lag), asked on a connection of its own: this
      // one is blocked in XREADGROUP. The shared work group is reported by subscriber 0.
      queued: () =>
        o.mode === 'work-queue' && ctx.index !== 0 ? Promise.resolve(0) : groupLag(url, o, key, group),
      kill() {
        ending = true;
        (redis as unknown as { stream?: Socket }).stream?.destroy();
        redis.disconnect();
      },
      close() {
        ending = true;
        redis.disconnect();
        return Promise.resolve();
      },
    };
  });
}

/** Entries of `key` that `group` has not read yet (Redis ≥ 7: XINFO GROUPS "lag"); undefined if unknown. */
async function groupLag(
  url: URL,
  o: RedisStreamsOptions,
  key: string,
  group: string,
): Promise<number | undefined> {
  const redis = await openRedis(url, o, 2000);
  try {
    const groups = (await redis.call('XINFO', 'GROUPS', key)) as unknown[][];
    for (const fields of groups) {
      const info = new Map<unknown, unknown>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i], fields[i + 1]);
      if (info.get('name') !== group) continue;
      const lag = info.get('lag');
      return typeof lag === 'number' ? lag : undefined;
    }
    return undefined;
  } finally {
    redis.disconnect();
  }
}
