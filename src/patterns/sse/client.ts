import { EventSource, type FetchLikeResponse } from 'eventsource';
import { Agent, fetch } from 'undici';
import type { EchoRecord } from '../../message.js';
import { echoExpect, statusError } from '../../toolkit/request/http.js';
import {
  maxResponseBytes,
  notTlsMessage,
  oversizeError,
  notTlsPattern,
  OpError,
  type SubscriberContext,
  type Subscription,
} from '../../toolkit/contract.js';
import type { SseOptions } from './index.js';
export { connectPublisher as connect } from './publisher.js';

/** An SSE subscription; `reconnects` lists how long each reconnection took, ms (drop seen → stream open again). */
export interface SseSubscription extends Subscription {
  readonly reconnects: readonly number[];
}

/** Where an SSE event ends: a blank line after LF, CRLF or CR lines. */
const eventEnds = [Buffer.from('\n\n'), Buffer.from('\n\r\n'), Buffer.from('\r\r')];

/**
 * The event stream, passed on as it is, failed once `max` bytes arrive without an event's end (the
 * EventSource would buffer them all): `tooLarge` hears the size, and the stream's error is a drop
 * the EventSource reconnects after. Event ends are found per chunk (native searches, no per-byte
 * loop); one split between two chunks only delays the count's reset to the next chunk's.
 */
export function boundedEvents(
  body: ReadableStream<Uint8Array>,
  max: number,
  tooLarge: (bytes: number) => void,
): ReadableStream<Uint8Array> {
  let since = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        let end = -1;
        for (const e of eventEnds) {
          const at = b.lastIndexOf(e);
          if (at >= 0) end = Math.max(end, at + e.length);
        }
        since = end < 0 ? since + b.length : b.length - end;
        if (since > max) {
          tooLarge(since);
          return controller.error(oversizeError(since, false));
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * One EventSource on `/events`. Resolves on the first `open` (the server registers the stream
 * before it sends the response headers); the EventSource reconnects by itself after a drop,
 * sending Last-Event-ID, and each event's `id` is its seq.
 */
export function subscribe(ctx: SubscriberContext<SseOptions>): Promise<SseSubscription> {
  // A dispatcher of its own: each subscriber is one connection, closed with the subscription.
  const agent = new Agent({
    connections: 1,
    keepAliveTimeout: 1000,
    ...(ctx.localAddress === undefined ? {} : { localAddress: ctx.localAddress }),
  });
  const source = new EventSource(new URL('/events', ctx.url), {
    fetch: async (url, init): Promise<FetchLikeResponse> => {
      const res = await fetch(url, { ...init, dispatcher: agent });
      const body =
        res.body &&
        boundedEvents(res.body, maxResponseBytes, (bytes) =>
          ctx.invalid?.(oversizeError(bytes, false).message.replace(/^response/, 'an SSE event'), 'oversize'),
        );
      return { body, url: res.url, status: res.status, redirected: res.redirected, headers: res.headers };
    },
  });
  const reconnects: number[] = [];
  let droppedAt: number | undefined;
  let opened = false;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    source.close();
    closing ??= agent.destroy();
    return closing;
  };
  source.addEventListener('message', (event) => {
    let record: EchoRecord;
    try {
      record = JSON.parse(event.data) as EchoRecord;
    } catch {
      ctx.invalid?.(
        `an SSE event whose data is not a JSON record: ${JSON.stringify(event.data.slice(0, 60))}`,
      );
      return;
    }
    ctx.deliver(record.seq, record, Buffer.byteLength(event.data));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void close();
      reject(new OpError('timeout', `no event stream from ${ctx.url.host} within ${ctx.timeoutMs} ms`));
    }, ctx.timeoutMs);
    source.addEventListener('open', () => {
      if (droppedAt !== undefined) {
        const ms = performance.now() - droppedAt;
        reconnects.push(ms);
        ctx.reconnected?.(ms);
      }
      droppedAt = undefined;
      if (opened) return;
      opened = true;
      clearTimeout(timer);
      resolve({ reconnects, close });
    });
    source.addEventListener('error', (event) => {
      if (opened) {
        droppedAt ??= performance.now();
        // A reconnect answered with a status: the EventSource gives up (a 429/503 is 'rejected').
        if (event.code !== undefined) {
          const err = statusError(event.code, 'GET /events (reconnecting)', echoExpect);
          ctx.invalid?.(err.message, err.kind);
        }
        return;
      }
      clearTimeout(timer);
      // After this listener the EventSource arms its reconnect timer; close() then clears it.
      setImmediate(() => void close());
      const said = event.message ?? 'failed';
      const message = `event stream from ${ctx.url.host}: ${notTlsPattern.test(said) ? notTlsMessage : said}`;
      const kind = event.code === undefined ? 'connection' : statusError(event.code, '', echoExpect).kind;
      reject(new OpError(kind, message));
    });
  });
}
