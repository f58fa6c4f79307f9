import DataLoader from 'dataloader';
import { buildSchema, type ExecutionResult, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/http';
import type { EchoRecord } from '../../message.js';
import { ServiceDelay } from '../../toolkit/delay.js';
import { graphqlAt } from '../graphql/server.js';
import { Pool } from 'undici';
import { forkHop, stopAll, type HopProcess } from '../../hops/process.js';
import { servicePath } from '../../hops/rest-service.js';
import { serveHttp } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { GraphqlN1Options } from './index.js';

interface Post {
  id: number;
  title: string;
  authorId: number;
}
interface Author {
  id: number;
  name: string;
}

/** Per query: its backend call count and (loader: dataloader) its DataLoader, fresh per request. */
type QueryContext = {
  calls: number;
  authors?: DataLoader<number, Author>;
};

/** A backend call's transport: in the process (next turn, after the delay) or an HTTP call to the data service. */
type Fetch = (request: unknown) => Promise<void>;

/** The data source behind the resolvers: every call goes through `fetch`, then answers. */
class Backend {
  constructor(private readonly fetch: Fetch) {}

  private answer<T>(ctx: QueryContext, value: () => T, request: unknown): Promise<T> {
    ctx.calls++;
    return this.fetch(request).then(value);
  }

  posts(ctx: QueryContext, n: number): Promise<Post[]> {
    return this.answer(
      ctx,
      () => Array.from({ length: n }, (_, i) => ({ id: i + 1, title: `post ${i + 1}`, authorId: 1000 + i })),
      { posts: n },
    );
  }

  author(ctx: QueryContext, id: number): Promise<Author> {
    return this.answer(ctx, () => ({ id, name: `author ${id}` }), { authors: [id] });
  }

  authors(ctx: QueryContext, ids: readonly number[]): Promise<Author[]> {
    return this.answer(ctx, () => ids.map((id) => ({ id, name: `author ${id}` })), { authors: ids });
  }
}

/** The feed schema in SDL (the client's query and the contract tests read the same). */
export const feedSdl = `
type Item { id: Float! label: String! score: Float! active: Boolean! }
type EchoRecord { seq: Float! name: String! items: [Item!]! text: String! }
input ItemInput { id: Float! label: String! score: Float! active: Boolean! }
input EchoRecordInput { seq: Float! name: String! items: [ItemInput!]! text: String! }
type Author { id: Int! name: String! }
type Post { id: Int! title: String! author: Author! }
type Feed { echo: EchoRecord! posts: [Post!]! }
type Query { feed(input: EchoRecordInput!, n: Int!): Feed! }
`;

/** feed: the input record back and N posts (one backend call); Post.author: per post or batched. */
function feedSchema(backend: Backend, batched: boolean): GraphQLSchema {
  const schema = buildSchema(feedSdl);
  const field = (type: string, name: string) => {
    const found = (schema.getType(type) as GraphQLObjectType).getFields()[name];
    if (!found) throw new Error(`feed schema has no ${type}.${name}`);
    return found;
  };
  field('Query', 'feed').resolve = async (
    _root,
    args: { input: EchoRecord; n: number },
    ctx: QueryContext,
  ) => ({
    echo: args.input,
    posts: await backend.posts(ctx, args.n),
  });
  field('Post', 'author').resolve = (post: Post, _args, ctx: QueryContext) =>
    batched && ctx.authors ? ctx.authors.load(post.authorId) : backend.author(ctx, post.authorId);
  return schema;
}

/** The data service as a forked process and a keep-alive pool to it: every fetch is a POST /echo. */
async function dataService(
  ctx: ServerContext<GraphqlN1Options>,
): Promise<{ hop: HopProcess; pool: Pool; fetch: Fetch }> {
  const hop = await forkHop('data service (rest)', {
    kind: 'service',
    via: 'rest',
    host: ctx.host,
    port: 0,
    traceContext: false,
    delayMs: ctx.delayMs,
  });
  const pool = new Pool(hop.url, { keepAliveTimeout: 60_000, pipelining: 1 });
  const fetch: Fetch = async (request) => {
    const answer = await pool.request({
      path: servicePath,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`data service answered ${answer.statusCode}`);
  };
  return { hop, pool, fetch };
}

export async function startServer(ctx: ServerContext<GraphqlN1Options>): Promise<RunningServer> {
  const service = ctx.options.backend === 'service' ? await dataService(ctx) : undefined;
  const delay = new ServiceDelay(service ? 0 : ctx.delayMs);
  const inproc: Fetch = () => new Promise((resolve) => setImmediate(() => delay.run(() => resolve())));
  const backend = new Backend(service?.fetch ?? inproc);
  const batched = ctx.options.loader === 'dataloader';
  const schema = feedSchema(backend, batched);
  const handler = createHandler<QueryContext>({
    schema,
    context: () => {
      const query: QueryContext = { calls: 0 };
      if (batched) query.authors = new DataLoader((ids) => backend.authors(query, ids));
      return query;
    },
    onOperation: (_req, args, result): ExecutionResult => ({
      ...(result as ExecutionResult),
      extensions: { backendCalls: (args.contextValue as QueryContext).calls },
    }),
  });
  const { path } = ctx.options;
  const handle = graphqlAt(path, handler);
  let running: RunningServer;
  try {
    running = await serveHttp(ctx, handle, () => {
      delay.cancelAll();
      void service?.pool.destroy();
    });
  } catch (err) {
    if (service) await stopAll([service.hop]);
    throw err;
  }
  if (!service) return running;
  const { hop } = service;
  return {
    ...running,
    helpers: [{ role: hop.role, pid: hop.pid }],
    async stop() {
      await Promise.all([running.stop(), stopAll([hop])]);
    },
  };
}
