import { splitEndpoint } from '../../toolkit/queue/consumer.js';
import type { EchoRecord } from '../../message.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';
import { Balances, decodeEvent, encodeEvent, eventOf } from './events.js';
import type { EventSourcingOptions } from './index.js';
import { openLog, type EventLog } from './logs.js';

/** The log of a run (append phase, shared) or of one replay connection (its own, seeded at connect). */
export const logName = (endpoint: string, o: EventSourcingOptions, index: number): string =>
  o.phase === 'append' ? endpoint : `${endpoint}.replay-${index}`;

/**
 * append: send() appends the event of the record's seq. replay: connect appends `events` events
 * (batches of `batch`, each applied to the expected balances once stored), then send() rebuilds
 * the balances from the whole log and fails with 'mismatch' when they differ from the expected
 * ones or an event is out of the writer's order.
 */
export async function connect(ctx: ClientContext<EventSourcingOptions>): Promise<PatternClient> {
  const { url, name } = splitEndpoint(ctx.url, 'commbench');
  const o = ctx.options;
  const log = await openLog(o.broker, url, logName(name, o, ctx.index), ctx.timeoutMs);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (o.phase === 'replay') await log.remove().catch(() => undefined);
    await log.close();
  };
  try {
    if (o.phase === 'append') return appender(ctx, log, () => closed, close);
    const expected = await seed(log, o);
    return replayer(ctx, log, expected, () => closed, close);
  } catch (err) {
    await close();
    throw toOpError(err);
  }
}

/** Appends events 0..N-1 in batches; the balances as computed while appending. */
export async function seed(log: EventLog, o: EventSourcingOptions): Promise<Balances> {
  await log.create();
  const written = new Balances();
  for (let start = 0; start < o.events; start += o.batch) {
    const events = Array.from({ length: Math.min(o.batch, o.events - start) }, (_, i) =>
      eventOf(start + i, o.accounts),
    );
    await log.append(events.map(encodeEvent));
    for (const e of events) written.apply(e);
  }
  return written;
}

/** Rebuilds the balances from the whole log; throws OpError 'mismatch' on a malformed or out-of-order event. */
export async function rebuild(
  log: EventLog,
  o: EventSourcingOptions,
  timeoutMs: number,
): Promise<{ state: Balances; bytes: number }> {
  const state = new Balances();
  let problem: string | undefined;
  const bytes = await log.replay(o.batch, timeoutMs, (entry) => {
    if (problem) return;
    const e = decodeEvent(entry);
    if (!e) problem = `entry ${state.count} is not an event`;
    else if (e.seq !== state.count) problem = `event ${e.seq} at position ${state.count}`;
    else state.apply(e);
  });
  if (problem) throw new OpError('mismatch', `replay: ${problem}`);
  return { state, bytes };
}

function appender(
  ctx: ClientContext<EventSourcingOptions>,
  log: EventLog,
  isClosed: () => boolean,
  close: () => Promise<void>,
): PatternClient {
  return {
    async send(msg: EchoRecord) {
      if (isClosed()) throw new OpError('connection', 'client closed');
      const entry = encodeEvent(eventOf(msg.seq, ctx.options.accounts));
      await log.append([entry]).catch((err: unknown) => Promise.reject(toOpError(err)));
      ctx.payload.add(entry.length, 0);
    },
    close,
  };
}

function replayer(
  ctx: ClientContext<EventSourcingOptions>,
  log: EventLog,
  expected: Balances,
  isClosed: () => boolean,
  close: () => Promise<void>,
): PatternClient {
  return {
    async send() {
      if (isClosed()) throw new OpError('connection', 'client closed');
      const { state, bytes } = await rebuild(log, ctx.options, ctx.timeoutMs).catch((err: unknown) =>
        Promise.reject(toOpError(err)),
      );
      const diff = expected.differs(state);
      if (diff) throw new OpError('mismatch', `rebuilt state differs from the appended one: ${diff}`);
      ctx.payload.add(0, bytes);
    },
    close,
  };
}
