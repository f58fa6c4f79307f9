import { ServiceDelay } from '../delay.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveHttp } from '../net-util.js';
import type { RunningServer, ServerContext } from '../types.js';
import type { RestOptions } from './index.js';

export async function startRestServer(ctx: ServerContext<RestOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const { path } = ctx.options;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== path) {
      req.resume();
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
    });
    req.on('end', () => {
      let body: string;
      try {
        const text =
          chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks, length).toString();
        body = JSON.stringify(JSON.parse(text));
      } catch {
        res.writeHead(400, { 'content-length': '0' }).end();
        return;
      }
      const respond = () =>
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
          .end(body);
      delay.run(respond);
    });
  };

  return serveHttp(ctx, handle, () => delay.cancelAll());
}
