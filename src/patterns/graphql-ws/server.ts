import { useServer } from 'graphql-ws/use/ws';
import type { EchoRecord } from '../../message.js';
import { ServiceDelay } from '../../toolkit/delay.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { createWsServer, serveWs } from '../websocket/server.js';
import type { GraphqlWsOptions } from './index.js';
import { echoSchema } from './schema.js';

type Event = { echoes: EchoRecord | null };

/** One subscriber's event queue, as the async iterator graphql-js consumes. */
class Feed implements AsyncIterableIterator<Event> {
  readonly #queue: Event[] = [{ echoes: null }];
  #waiting: ((result: IteratorResult<Event>) => void) | undefined;
  #done = false;

  constructor(private readonly feeds: Set<Feed>) {
    feeds.add(this);
  }

  push(event: Event): void {
    if (this.#done) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting({ value: event, done: false });
    } else {
      this.#queue.push(event);
    }
  }

  next(): Promise<IteratorResult<Event>> {
    const event = this.#queue.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<Event>> {
    this.#done = true;
    this.#queue.length = 0;
    this.feeds.delete(this);
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export async function startServer(ctx: ServerContext<GraphqlWsOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const feeds = new Set<Feed>();
  const schema = echoSchema({
    publish: (record) =>
      new Promise((resolve) =>
        delay.run(() => {
          const event = { echoes: record };
          for (const feed of feeds) feed.push(event);
          resolve(record.seq);
        }),
      ),
    echoes: () => new Feed(feeds),
  });
  const pair = createWsServer('/graphql');
  const disposable = useServer({ schema }, pair.wss);
  const { url, stop } = await serveWs(pair, ctx, () => {
    delay.cancelAll();
    for (const feed of feeds) void feed.return();
    void disposable.dispose();
  });
  return { url: `${url}/graphql`, stop };
}
