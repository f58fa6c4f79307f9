import { Client } from 'undici';
import type { EchoRecord } from '../../message.js';
import { echoExpect, statusError } from '../../toolkit/request/http.js';
import {
  maxResponseBytes,
  oversizeError,
  toOpError,
  type SubscriberContext,
  type Subscription,
} from '../../toolkit/contract.js';
import type { PollOptions } from './index.js';
export { connectPublisher as connect } from '../sse/publisher.js';

/** A polling subscription and what its polls cost. */
export interface PollSubscription extends Subscription {
  /** Polls answered (the first, which only fetches the cursor, excluded). */
  readonly requests: number;
  /** Polls answered with no record: the requests wasted. */
  readonly emptyRequests: number;
  /** Polls that failed (they are retried at the next tick). */
  readonly failedRequests: number;
}

const goldenRatio = 0.618_033_988_749_895;

interface Updates {
  readonly cursor: number;
  readonly records: EchoRecord[];
}

/**
 * One subscriber: a keep-alive undici Client that polls `GET /updates?since=<cursor>` at
 * t0 + phase + k·interval (a poll still outstanding at a tick skips it). Resolves after the first poll,
 * which fetches the current cursor: records published after that are delivered.
 */
export async function subscribe(ctx: SubscriberContext<PollOptions>): Promise<PollSubscription> {
  const client = new Client(ctx.url.origin, {
    connectTimeout: ctx.timeoutMs,
    headersTimeout: ctx.timeoutMs,
    bodyTimeout: ctx.timeoutMs,
    keepAliveTimeout: 60_000,
    maxResponseSize: maxResponseBytes,
  });
  const get = async (since: number | undefined): Promise<Updates> => {
    const path = since === undefined ? '/updates' : `/updates?since=${since}`;
    const res = await client.request({ path, method: 'GET' });
    // A poll reads at most maxResponseBytes: an announced bigger answer is refused at its headers
    // (a streamed one by undici's maxResponseSize, at the bound).
    const announced = Number(res.headers['content-length']);
    if (announced > maxResponseBytes) {
      res.body.destroy();
      throw oversizeError(announced, true);
    }
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw statusError(res.statusCode, `GET ${path}`, echoExpect, res.headers['retry-after']);
    return JSON.parse(text) as Updates;
  };

  let cursor: number;
  try {
    cursor = (await get(undefined)).cursor;
  } catch (err) {
    await client.destroy();
    throw toOpError(err);
  }

  const { interval } = ctx.options;
  // Subscribers start polling at phases spread over the interval (golden-ratio sequence by index), as
  // independent clients would: with one shared phase, a periodic publisher would always meet the
  // same point of the cycle and the delay would not average to interval/2.
  const started = performance.now() + ((ctx.index * goldenRatio) % 1) * interval;
  let tick = -1;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const state = { requests: 0, emptyRequests: 0, failedRequests: 0 };

  const pollOnce = async (): Promise<void> => {
    try {
      const updates = await get(cursor);
      if (closed) return;
      state.requests++;
      if (updates.records.length === 0) state.emptyRequests++;
      ctx.requested?.(updates.records.length === 0);
      cursor = updates.cursor;
      for (const record of updates.records)
        ctx.deliver(record.seq, record, Buffer.byteLength(JSON.stringify(record)));
    } catch (err) {
      if (closed) return;
      state.failedRequests++;
      // A failed poll is an error of the window (a 429/503 is 'rejected'), retried at the next tick.
      const e = toOpError(err);
      ctx.invalid?.(e.message, e.kind);
    }
  };
  const schedule = (): void => {
    if (closed) return;
    const now = performance.now();
    tick = Math.max(tick + 1, Math.ceil((now - started) / interval));
    timer = setTimeout(() => void pollOnce().then(schedule), started + tick * interval - now);
  };
  schedule();

  return {
    get requests() {
      return state.requests;
    },
    get emptyRequests() {
      return state.emptyRequests;
    },
    get failedRequests() {
      return state.failedRequests;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await client.destroy();
    },
  };
}
