import { ServiceDelay } from '../../toolkit/delay.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerEmpty, echoJson, serveHttp } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { RestOptions } from './index.js';

export async function startServer(ctx: ServerContext<RestOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const { path } = ctx.options;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== path) return answerEmpty(req, res, 404);
    echoJson(req, res, delay);
  };

  return serveHttp(ctx, handle, () => delay.cancelAll());
}
