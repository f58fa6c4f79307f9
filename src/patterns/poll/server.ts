import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ServiceDelay } from '../../toolkit/delay.js';
import { readBody, serveHttp } from '../../toolkit/net-util.js';
import { ackOf } from '../sse/publisher.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { seqOf } from '../websocket/server.js';
import type { PollOptions } from './index.js';

/** The answer to `GET /updates`: records published at positions `since` … `cursor` − 1. */
export interface Updates {
  readonly cursor: number;
  readonly records: readonly unknown[];
}

export async function startServer(ctx: ServerContext<PollOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const { keep } = ctx.options;
  /** JSON texts of the kept records; texts[0] was published at position `first`. */
  let texts: string[] = [];
  let first = 0;

  const publish = (req: IncomingMessage, res: ServerResponse): void => {
    readBody(req, (text) => {
      const seq = seqOf(text);
      if (seq === undefined) {
        res.writeHead(400, { 'content-length': '0' }).end();
        return;
      }
      delay.run(() => {
        texts.push(text);
        if (texts.length >= keep * 2) {
          first += texts.length - keep;
          texts = texts.slice(texts.length - keep);
        }
        const ack = ackOf(seq);
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ack) })
          .end(ack);
      });
    });
  };

  const updates = (url: URL, res: ServerResponse): void => {
    const cursor = first + texts.length;
    const since = url.searchParams.get('since');
    // Without `since` a subscriber starts from now; a cursor older than what is kept gets all that is.
    const from = since === null ? cursor : Math.max(first, Math.min(cursor, Number(since) || 0));
    const start = Math.max(0, from - first, texts.length - keep);
    const body = `{"cursor":${cursor},"records":[${texts.slice(start).join(',')}]}`;
    res
      .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      .end(body);
  };

  const handle: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/updates') {
      req.resume();
      return updates(url, res);
    }
    if (req.method === 'POST' && url.pathname === '/publish') return publish(req, res);
    req.resume();
    res.writeHead(404, { 'content-length': '0' }).end();
  };

  return serveHttp(ctx, handle, () => delay.cancelAll());
}
