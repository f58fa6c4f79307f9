import { ServiceDelay } from '../../toolkit/delay.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, serveHttp } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { RestOptions } from './index.js';

export async function startServer(ctx: ServerContext<RestOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const { path } = ctx.options;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== path) {
      req.resume();
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    readJsonBody(req, (body) => {
      if (body === undefined) {
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
