import DataLoader from 'dataloader';
import { buildSchema, type ExecutionResult, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/http';
import type { EchoRecord } from '../../message.js';
import { ServiceDelay } from '../delay.js';
import { graphqlAt } from '../graphql/server.js';
import { serveHttp } from '../net-util.js';
import type { RunningServer, ServerContext } from '../types.js';
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

/** The data source behind the resolvers: every call answers asynchronously, after `delay`. */
class Backend {
  constructor(private readonly delay: ServiceDelay) {}

  private answer<T>(ctx: QueryContext, value: () => T): Promise<T> {
    ctx.calls++;
    return new Promise((resolve) => setImmediate(() => this.delay.run(() => resolve(value()))));
  }

  posts(ctx: QueryContext, n: number): Promise<Post[]> {
    return this.answer(ctx, () =>
      Array.from({ length: n }, (_, i) => ({ id: i + 1, title: `post ${i + 1}`, authorId: 1000 + i })),
    );
  }

  author(ctx: QueryContext, id: number): Promise<Author> {
    return this.answer(ctx, () => ({ id, name: `author ${id}` }));
  }

  authors(ctx: QueryContext, ids: readonly number[]): Promise<Author[]> {
    return this.answer(ctx, () => ids.map((id) => ({ id, name: `author ${id}` })));
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

export async function startServer(ctx: ServerContext<GraphqlN1Options>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const backend = new Backend(delay);
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
  return serveHttp(ctx, handle, () => delay.cancelAll());
}
