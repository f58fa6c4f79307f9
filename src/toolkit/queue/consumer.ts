import type { SubscriberContext, Subscription } from '../contract.js';
import { startedBrokerAt } from '../../brokers/index.js';
import type { Faults } from './options.js';
import { parseRecord } from './records.js';

/**
 * The consumer side every queue pattern shares: serial processing, an optional idempotent
 * processed-ids store, fault injection (kill and restart a consumer, restart the broker) and
 * reconnection after a lost connection, each reported as a reconnect (its outage, from the kill or
 * loss to the new connection). The pattern supplies only `open`: connect and consume.
 */

/** One message as a broker client received it. */
export interface Incoming {
  /** The body as received (the record's JSON). */
  readonly body: Buffer | string;
  /** The message id (idempotency key); '' = the record's seq. */
  readonly id: string;
  /** Acknowledges it (no-op for auto-ack); called after processing. */
  ack(): void;
}

/** A live consumer connection. */
export interface ConsumerConnection {
  /** Abrupt end, as a crash: destroy the socket, nothing more is sent (unsent acks are lost). */
  kill(): void;
  /** Clean end. */
  close(): Promise<void>;
  /** Messages the broker still holds for this consumer (see Subscription.queued); absent = unknown. */
  queued?(): Promise<number | undefined>;
}

export interface ConsumerOptions {
  readonly idempotent: boolean;
  readonly processMs: number;
  readonly faults?: Faults | undefined;
}

/**
 * Opens a consumer connection; `onMessage` is called per received message, `onLost` once if the
 * connection ends without kill()/close() (the harness then reconnects).
 */
export type OpenConsumer = (
  onMessage: (m: Incoming) => void,
  onLost: (err: Error) => void,
) => Promise<ConsumerConnection>;

/** Processed-ids stores shared by the subscribers of one endpoint (a database table, in a real system). */
const stores = new Map<string, { ids: Set<string>; users: number }>();

const reconnectDelayMs = 200;

export async function runConsumer(
  ctx: SubscriberContext<ConsumerOptions>,
  storeKey: string,
  open: OpenConsumer,
): Promise<Subscription> {
  const { idempotent, processMs, faults } = ctx.options;
  let store = stores.get(storeKey);
  if (!store) stores.set(storeKey, (store = { ids: new Set(), users: 0 }));
  store.users++;
  const processed = store.ids;
  let closed = false;
  /** Bumped on every kill: work queued by an older generation is dropped, as a crashed process's would be. */
  let generation = 0;
  let connection: ConsumerConnection | undefined;
  let chain: Promise<void> = Promise.resolve();
  /** Received, waiting in `chain` for processing (a backlog on the consumer's side). */
  let waiting = 0;
  const timers: NodeJS.Timeout[] = [];
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  const handle = (m: Incoming, gen: number): void => {
    const work = async (): Promise<void> => {
      if (gen !== generation || closed) return;
      const text = typeof m.body === 'string' ? m.body : m.body.toString();
      const record = parseRecord(text);
      const seq = typeof record?.seq === 'number' ? record.seq : Number(m.id);
      if (idempotent) {
        const id = m.id === '' ? String(seq) : m.id;
        if (processed.has(id)) return m.ack();
        processed.add(id);
      }
      ctx.deliver(seq, record, Buffer.byteLength(text));
      if (processMs > 0) {
        await sleep(processMs);
        if (gen !== generation || closed) return;
      }
      m.ack();
    };
    if (processMs > 0) {
      waiting++;
      const started = generation;
      chain = chain.then(() => {
        if (started === generation) waiting--;
        return work();
      });
    } else void work();
  };

  const connect = async (): Promise<void> => {
    const gen = generation;
    connection = await open(
      (m) => handle(m, gen),
      () => {
        if (closed || gen !== generation) return;
        generation++;
        waiting = 0;
        connection = undefined;
        void reconnect(performance.now());
      },
    );
  };
  /** Reconnects until it succeeds or the subscription closes; reports the outage since `since` (performance.now(), ms). */
  const reconnect = async (since: number): Promise<void> => {
    while (!closed && connection === undefined) {
      try {
        await connect();
        if (!closed) ctx.reconnected?.(performance.now() - since);
      } catch {
        await sleep(reconnectDelayMs);
      }
    }
  };

  await connect();

  if (faults?.killConsumerAt !== undefined && faults.consumer === ctx.index) {
    timers.push(
      setTimeout(() => {
        if (closed) return;
        generation++;
        connection?.kill();
        connection = undefined;
        chain = Promise.resolve();
        waiting = 0;
        const killedAt = performance.now();
        timers.push(setTimeout(() => void reconnect(killedAt), faults.restartAfter));
      }, faults.killConsumerAt),
    );
  }
  if (faults?.restartBrokerAt !== undefined && ctx.index === 0) {
    const broker = startedBrokerAt(ctx.url);
    if (!broker) {
      await connection?.close();
      throw new Error(
        `faults.restartBrokerAt needs a broker commbench started (no --broker-url); ${ctx.url.host} is not one`,
      );
    }
    timers.push(
      setTimeout(
        () => void broker.restart(faults.brokerDownFor).catch(() => undefined),
        faults.restartBrokerAt,
      ),
    );
  }

  return {
    async queued() {
      const c = connection;
      if (!c?.queued) return undefined;
      const held = await c.queued().catch(() => undefined);
      return held === undefined ? undefined : held + waiting;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      const c = connection;
      connection = undefined;
      await c?.close().catch(() => undefined);
      const s = stores.get(storeKey);
      if (s && --s.users === 0) stores.delete(storeKey);
    },
  };
}

/** A fragment-free copy of a URL, and the endpoint name its fragment carries ('' when none). */
export function splitEndpoint(url: URL, fallback: string): { url: URL; name: string } {
  const plain = new URL(url.href);
  const name = decodeURIComponent(plain.hash.replace(/^#/, '')) || fallback;
  plain.hash = '';
  return { url: plain, name };
}
