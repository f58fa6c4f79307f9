import { buildSchema } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startNginx } from '../../hops/nginx.js';
import { ServiceDelay } from '../../toolkit/delay.js';
import { graphqlAt } from '../graphql/server.js';
import { serveHttp } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { cacheControl, productOf, type HttpCacheOptions } from './index.js';

const schema = buildSchema(`
  type Product { id: Int! name: String! price: Float! description: String! }
  type Query { product(id: Int!): Product }
`);

/** The origin on a free port, then nginx (with or without its cache) on ctx.port in front of it. */
export async function startServer(ctx: ServerContext<HttpCacheOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const { bytes } = ctx.options;
  const rootValue = {
    product: ({ id }: { id: number }) =>
      new Promise((resolve) => delay.run(() => resolve(id === 1 ? productOf(id, bytes) : null))),
  };
  const graphql = graphqlAt('/graphql', createHandler({ schema, rootValue }));
  const rest = JSON.stringify(productOf(1, bytes));
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('cache-control', cacheControl);
    if (req.url === '/graphql') return graphql(req, res);
    req.resume();
    if (req.method !== 'GET' || req.url !== '/products/1') {
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    delay.run(() =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(rest) })
        .end(rest),
    );
  };
  const origin = await serveHttp({ host: ctx.host, port: 0 }, handle, () => delay.cancelAll());
  try {
    const proxy = await startNginx('proxy (nginx)', {
      host: ctx.host,
      port: ctx.port,
      upstream: origin.url,
      proxy: { cache: ctx.options.cache },
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
