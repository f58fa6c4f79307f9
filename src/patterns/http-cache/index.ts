import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `http-cache` pattern (scenario `options:`); the server and the client read the same. */
export const httpCacheOptions = z.strictObject({
  /**
   * How the client reads the product: `rest`, `GET /products/1`; `graphql`, `POST /graphql` with
   * `query Product($id: Int!) { product(id: $id) { id name price description } }` (graphql-js).
   */
  api: z.enum(['rest', 'graphql']).default('rest'),
  /** nginx in front caches (proxy_cache, nginx's rules); false: the same nginx without a cache. */
  cache: z.boolean().default(true),
  /** Size of the product's description, bytes. */
  bytes: z.int().min(0).max(1_048_576).default(1024),
});
export type HttpCacheOptions = z.output<typeof httpCacheOptions>;

/** The one product the origin serves, the same over REST and GraphQL. */
export interface Product {
  readonly id: number;
  readonly name: string;
  readonly price: number;
  readonly description: string;
}

export function productOf(id: number, bytes: number): Product {
  return { id, name: `product ${id}`, price: 9.99, description: 'd'.repeat(bytes) };
}

/** What the origin says of every answer, REST and GraphQL alike: any cache may keep it a minute. */
export const cacheControl = 'public, max-age=60';

/**
 * "Caching complexity" of GraphQL: one product read by every client through nginx with a proxy
 * cache (one process, the helper `proxy (nginx)`), as a REST resource (`GET /products/1`) or a
 * GraphQL query (`POST /graphql`). The origin (the server process: node:http, graphql-js over
 * graphql-http) answers both with `Cache-Control: public, max-age=60`; nginx decides what it caches
 * by its own rules (GET and HEAD only) and says so in `X-Cache-Status`. The client (undici) checks
 * each answer is the product. What the cache saved is read as the origin's CPU per request (the
 * server's CPU without nginx's): near zero when nginx answers from its cache.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(httpCacheOptions, server, client);
