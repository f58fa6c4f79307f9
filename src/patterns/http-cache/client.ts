import { connectJsonClient } from '../../toolkit/json-client.js';
import { OpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';
import { productOf, type HttpCacheOptions, type Product } from './index.js';

export const productQuery = 'query Product($id: Int!) { product(id: $id) { id name price description } }';

/** The product in an answer (REST: the body; GraphQL: data.product), or undefined. */
function productIn(body: Buffer, api: HttpCacheOptions['api']): Partial<Product> | undefined {
  try {
    const parsed = JSON.parse(body.toString()) as {
      data?: { product?: Partial<Product> };
    } & Partial<Product>;
    return api === 'rest' ? parsed : parsed.data?.product;
  } catch {
    return undefined;
  }
}

/**
 * GET /products/1 (rest) or POST /graphql with the product query (graphql), on one undici
 * connection; every answer must be 200 with the product, field for field.
 */
export function connect(ctx: ClientContext<HttpCacheOptions>): Promise<PatternClient> {
  const { api, bytes } = ctx.options;
  const want = productOf(1, bytes);
  const rest = api === 'rest';
  const body = JSON.stringify({ query: productQuery, variables: { id: 1 } });
  const request = rest ? 'GET /products/1' : 'POST /graphql';
  return Promise.resolve(
    connectJsonClient(ctx, {
      path: rest ? '/products/1' : '/graphql',
      method: rest ? 'GET' : 'POST',
      headers: rest ? {} : { 'content-type': 'application/json' },
      body: () => (rest ? undefined : body),
      check: (status, answer) => {
        if (status !== 200) return new OpError('rejected', `${request} answered ${status}`);
        const got = productIn(answer, api);
        const same =
          got !== undefined &&
          got.id === want.id &&
          got.name === want.name &&
          got.price === want.price &&
          got.description === want.description;
        return same ? undefined : new OpError('mismatch', `${request} did not answer product 1`);
      },
    }),
  );
}
