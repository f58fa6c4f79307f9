import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ServiceDelay } from '../../toolkit/delay.js';
import { readBody, serveHttp } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { seqOf } from '../websocket/server.js';
import type { SseOptions } from './index.js';
import { ackOf } from './publisher.js';

/** The last `capacity` events in publish order, found by id for Last-Event-ID resume. */
export class ReplayBuffer {
  readonly #frames: Buffer[] = [];
  readonly #ids: string[] = [];
  /** Absolute index of #frames[0]. */
  #first = 0;
  readonly #index = new Map<string, number>();

  constructor(readonly capacity: number) {}

  push(id: string, frame: Buffer): void {
    if (this.capacity === 0) return;
    this.#frames.push(frame);
    this.#ids.push(id);
    this.#index.set(id, this.#first + this.#frames.length - 1);
    if (this.#frames.length > this.capacity * 2) this.#trim();
  }

  /**
   * Frames published after the event `id`; every kept frame when `id` is unknown or too old
   * (the subscriber then sees duplicates rather than a silent gap).
   */
  after(id: string): Buffer[] {
    this.#trim();
    const at = this.#index.get(id);
    const from = at === undefined || at < this.#first ? 0 : at - this.#first + 1;
    return this.#frames.slice(from);
  }

  #trim(): void {
    const excess = this.#frames.length - this.capacity;
    if (excess <= 0) return;
    for (const id of this.#ids.slice(0, excess))
      if ((this.#index.get(id) ?? Infinity) < this.#first + excess) this.#index.delete(id);
    this.#frames.splice(0, excess);
    this.#ids.splice(0, excess);
    this.#first += excess;
  }
}

export async function startServer(ctx: ServerContext<SseOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const { retry, replay, dropEvery } = ctx.options;
  const buffer = new ReplayBuffer(replay);
  const streams = new Set<ServerResponse>();

  const openStream = (req: IncomingMessage, res: ServerResponse): void => {
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    const lastId = req.headers['last-event-id'];
    const backlog = typeof lastId === 'string' ? buffer.after(lastId) : [];
    res.write(Buffer.concat([Buffer.from(`retry: ${Math.round(retry)}\n\n`), ...backlog]));
    streams.add(res);
    res.on('close', () => streams.delete(res));
  };

  const publish = (req: IncomingMessage, res: ServerResponse): void => {
    readBody(req, (body) => {
      let text = body;
      const seq = seqOf(text);
      if (seq === undefined) {
        res.writeHead(400, { 'content-length': '0' }).end();
        return;
      }
      // One event's data is one line: JSON.stringify never writes a raw newline.
      if (/[\r\n]/.test(text)) text = JSON.stringify(JSON.parse(text));
      delay.run(() => {
        const id = String(seq);
        const frame = Buffer.from(`id: ${id}\ndata: ${text}\n\n`);
        buffer.push(id, frame);
        for (const stream of streams) stream.write(frame);
        const ack = ackOf(seq);
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ack) })
          .end(ack);
      });
    });
  };

  const handle: RequestListener = (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/events') return openStream(req, res);
    if (req.method === 'POST' && path === '/publish') return publish(req, res);
    req.resume();
    res.writeHead(404, { 'content-length': '0' }).end();
  };

  const dropper =
    dropEvery > 0
      ? setInterval(() => {
          for (const stream of streams) stream.destroy();
        }, dropEvery)
      : undefined;
  dropper?.unref();

  return serveHttp(ctx, handle, () => {
    clearInterval(dropper);
    delay.cancelAll();
  });
}
