import { startNginx } from '../../hops/nginx.js';
import { sseOptions } from '../sse/index.js';
import { startServer as startSseServer } from '../sse/server.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { startServer as startWebSocketServer } from '../websocket/server.js';
import type { PushProxyOptions } from './index.js';

/** The push server on a free port, then nginx on ctx.port in front of it. */
export async function startServer(ctx: ServerContext<PushProxyOptions>): Promise<RunningServer> {
  const { via, buffering } = ctx.options;
  const inner = { host: ctx.host, port: 0, delayMs: ctx.delayMs };
  const origin =
    via === 'sse'
      ? await startSseServer({ ...inner, options: sseOptions.parse({}) })
      : await startWebSocketServer({ ...inner, options: { mode: 'broadcast', client: 'ws' } });
  try {
    const upstream = new URL(origin.url);
    upstream.protocol = 'http:';
    const proxy = await startNginx('proxy (nginx)', {
      host: ctx.host,
      port: ctx.port,
      upstream: upstream.href,
      proxy: { websocket: via === 'websocket', buffering },
    });
    return {
      url: proxy.url,
      helpers: [{ role: proxy.role, pid: proxy.pid }],
      async stop() {
        await Promise.all([proxy.stop(), origin.stop()]);
      },
    };
  } catch (err) {
    await origin.stop();
    throw err;
  }
}
