import { startNginx } from '../../hops/nginx.js';
import { forkHop, stopAll, type HopProcess } from '../../hops/process.js';
import { startServer as startRestServer } from '../rest/server.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { RestProxyOptions } from './index.js';

/** The rest echo here, then the proxies from the one nearest the echo to the one the client reaches. */
export async function startServer(ctx: ServerContext<RestProxyOptions>): Promise<RunningServer> {
  const { proxy, proxies } = ctx.options;
  const backend = await startRestServer({ ...ctx, port: 0, options: { path: '/echo', client: 'undici' } });
  const started: HopProcess[] = [];
  try {
    let upstream = backend.url;
    for (let i = proxies; i >= 1; i--) {
      const role = `proxy ${i} (${proxy})`;
      const port = i === 1 ? ctx.port : 0;
      const hop =
        proxy === 'nginx'
          ? await startNginx(role, { host: ctx.host, port, upstream })
          : await forkHop(role, { kind: 'node-proxy', host: ctx.host, port, upstream });
      started.unshift(hop);
      upstream = hop.url;
    }
    return {
      url: upstream,
      helpers: started.map(({ role, pid }) => ({ role, pid })),
      async stop() {
        await Promise.all([stopAll(started), backend.stop()]);
      },
    };
  } catch (err) {
    await Promise.all([stopAll(started), backend.stop()]);
    throw err;
  }
}
