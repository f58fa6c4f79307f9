import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConsumeMessage } from 'amqplib';
import { openConfirmChannel } from '../amqp/connection.js';
import { openRedis } from '../redis-streams/client.js';
import { redisStreamsOptions } from '../redis-streams/index.js';
import { OpError, toOpError, withOpTimeout } from '../../toolkit/contract.js';
import type { EventSourcingOptions } from './index.js';

/**
 * An append-only event log on a real broker, named `name`. Entries are encoded events (JSON text),
 * read back in the order they were appended.
 */
export interface EventLog {
  /** Creates the log if it does not exist (a RabbitMQ stream queue must be declared; a Redis stream need not). */
  create(): Promise<void>;
  /** Appends `entries` in order; resolves once the broker has stored every one (XADD replies, publisher confirms). */
  append(entries: readonly string[]): Promise<void>;
  /**
   * Reads the whole log from its first entry, `batch` entries per read (XRANGE COUNT) or in flight
   * (consumer prefetch), calling `onEntry` for each in log order; resolves with the bytes read
   * when the end of the log as of the call has been reached. Rejects after `timeoutMs`.
   */
  replay(batch: number, timeoutMs: number, onEntry: (entry: string) => void): Promise<number>;
  /** Deletes the log. */
  remove(): Promise<void>;
  close(): Promise<void>;
}

export async function openLog(
  broker: EventSourcingOptions['broker'],
  url: URL,
  name: string,
  timeoutMs: number,
): Promise<EventLog> {
  return broker === 'rabbitmq'
    ? openStreamQueue(url, name, timeoutMs)
    : openRedisStream(url, name, timeoutMs);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withOpTimeout(promise, ms, `${what}: not done within ${ms} ms`);
}

/** A Redis stream `<name>:events`: XADD (pipelined for a batch), XRANGE from '-' to the end. */
async function openRedisStream(url: URL, name: string, timeoutMs: number): Promise<EventLog> {
  const redis: Redis = await openRedis(url, redisStreamsOptions.parse({}), timeoutMs);
  const key = `${name}:events`;
  return {
    create: () => Promise.resolve(),
    async append(entries) {
      if (entries.length === 1) {
        await withTimeout(redis.xadd(key, '*', 'e', entries[0] as string), timeoutMs, 'XADD');
        return;
      }
      const pipeline = redis.pipeline();
      for (const entry of entries) pipeline.xadd(key, '*', 'e', entry);
      const replies = (await withTimeout(pipeline.exec(), timeoutMs, 'XADD')) ?? [];
      const failed = replies.find(([err]) => err);
      if (failed?.[0]) throw toOpError(failed[0]);
    },
    async replay(batch, ms, onEntry) {
      const deadline = performance.now() + ms;
      let start = '-';
      let bytes = 0;
      for (;;) {
        const left = deadline - performance.now();
        if (left <= 0) throw new OpError('timeout', `replay: not done within ${ms} ms`);
        const entries = await withTimeout(redis.xrange(key, start, '+', 'COUNT', batch), left, 'XRANGE');
        for (const [, fields] of entries) {
          const entry = fields[1] ?? '';
          bytes += entry.length;
          onEntry(entry);
        }
        if (entries.length < batch) return bytes;
        start = `(${(entries[entries.length - 1] as [string, string[]])[0]}`;
      }
    },
    async remove() {
      await redis.del(key);
    },
    close() {
      redis.disconnect();
      return Promise.resolve();
    },
  };
}

/** Marks the end of the log for one replay (skipped by readers): a stream queue has no end-of-log signal. */
const markerKey = 'commbench-replay-marker';

/**
 * A RabbitMQ stream queue `<name>.events` over AMQP 0-9-1 (no stream plugin needed): confirmed
 * publishes; a replay is a consumer from `x-stream-offset: first` with a prefetch, acking in
 * batches. A stream has no end for a consumer, so a replay first appends a marker and reads until
 * it arrives: everything appended before the replay began.
 */
async function openStreamQueue(url: URL, name: string, timeoutMs: number): Promise<EventLog> {
  const { model, channel } = await openConfirmChannel(url, timeoutMs);
  const queue = `${name}.events`;
  const publish = (entries: readonly string[]): Promise<void> =>
    withTimeout(
      (async () => {
        for (const entry of entries) {
          if (!channel.sendToQueue(queue, Buffer.from(entry), { contentType: 'application/json' }))
            await new Promise((resolve) => channel.once('drain', resolve));
        }
        await channel.waitForConfirms();
      })(),
      timeoutMs,
      'publish to the stream queue',
    );
  return {
    async create() {
      await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'stream' } });
    },
    append: publish,
    async replay(batch, ms, onEntry) {
      const marker = JSON.stringify({ [markerKey]: randomBytes(6).toString('hex') });
      await publish([marker]);
      const reader = await model.createChannel();
      reader.on('error', () => undefined);
      let bytes = 0;
      try {
        await reader.prefetch(batch);
        const ackEvery = Math.max(1, Math.floor(batch / 2));
        let unacked = 0;
        let expectedOffset: number | undefined;
        const done = new Promise<void>((resolve, reject) => {
          reader.once('close', () => reject(new OpError('connection', 'replay channel closed')));
          const onMessage = (m: ConsumeMessage | null): void => {
            if (!m) return reject(new OpError('connection', 'the broker cancelled the replay'));
            const offset = Number(m.properties.headers?.['x-stream-offset']);
            if (expectedOffset !== undefined && offset !== expectedOffset) {
              return reject(new OpError('mismatch', `stream offset ${offset} after ${expectedOffset - 1}`));
            }
            expectedOffset = offset + 1;
            const entry = m.content.toString();
            if (++unacked >= ackEvery) {
              reader.ack(m, true);
              unacked = 0;
            }
            if (entry === marker) return resolve();
            if (entry.includes(markerKey)) return; // an earlier replay's marker
            bytes += m.content.length;
            onEntry(entry);
          };
          reader
            .consume(queue, onMessage, { noAck: false, arguments: { 'x-stream-offset': 'first' } })
            .catch(reject);
        });
        await withTimeout(done, ms, 'replay');
        return bytes;
      } finally {
        await reader.close().catch(() => undefined);
      }
    },
    async remove() {
      await channel.deleteQueue(queue);
    },
    async close() {
      await model.close().catch(() => undefined);
    },
  };
}
