import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `graphql-n1` pattern (scenario `options:`); the server and the client read the same. */
export const graphqlN1Options = z.strictObject({
  /** Request path of the GraphQL endpoint. */
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'an absolute path without query, e.g. /graphql')
    .default('/graphql'),
  /** N: posts in the list one query asks for; each post's `author` is a nested field. */
  items: z.number().int().min(1).max(10_000).default(10),
  /**
   * How the server resolves `author`. `none`: one backend call per post (the N+1 problem: 1 call for
   * the list + N); `dataloader`: the authors of one query are batched by DataLoader into one call (2).
   */
  loader: z.enum(['none', 'dataloader']).default('none'),
  /**
   * Where the data lives. `inproc`: an asynchronous data source in the server process.
   * `service`: a separate data service (a forked process, the call chain's REST service): every
   * backend call is a real HTTP call (POST /echo with the ids asked for), and its CPU is measured
   * with the server's (a helper).
   */
  backend: z.enum(['inproc', 'service']).default('inproc'),
});
export type GraphqlN1Options = z.output<typeof graphqlN1Options>;

/** Backend calls one query costs: the list, then N author calls or one batched call. */
export function expectedBackendCalls(options: Pick<GraphqlN1Options, 'items' | 'loader'>): number {
  return options.loader === 'dataloader' ? 2 : options.items + 1;
}

/**
 * GraphQL's N+1 problem (graphql-js + graphql-http on node:http, undici client like `graphql`):
 * `feed(input: $record, n: N) { echo { …the record } posts { id title author { id name } } }`.
 * The server's "backend" is an asynchronous data source in the server process (each call answers on
 * the next event-loop turn, plus the scenario's `server.delay`, like a database round trip), or with
 * `backend: service` a separate data service called over HTTP (the delay is then the service's); `feed`
 * costs one call, `author` one call per post or one DataLoader batch per query. The server counts
 * the backend calls of every query and returns the count in the response's
 * `extensions.backendCalls`; the client checks it on every response (a different count is a
 * 'mismatch' error), so a row without errors ran exactly `expectedBackendCalls` per query.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(graphqlN1Options, server, client);
