import { z } from 'zod';
import type { PatternCode } from '../types.js';
import { lazy } from '../lazy.js';

/** Options of the `graphql-ws` pattern (scenario `options:`). */
export const graphqlWsOptions = z.strictObject({});
export type GraphqlWsOptions = z.output<typeof graphqlWsOptions>;

/**
 * GraphQL subscriptions over the graphql-ws protocol (`graphql-transport-ws`), server and client
 * from the `graphql-ws` package on `ws`, schema and execution by graphql-js. The publisher runs the
 * mutation `publish(record: EchoInput!): Float!` over its own graphql-ws connection; the server
 * hands the record to every active `subscription { echoes { ...all fields } }`, which graphql-js
 * executes and graphql-ws serializes once per subscriber. The first event of a subscription is
 * `{ echoes: null }`: the subscription is live. Payload bytes: the mutation's request
 * (`{query, variables}`) and result JSON; a delivery's bytes are the JSON of its execution result.
 * Endpoint: ws://host:port/graphql.
 */
export default {
  options: graphqlWsOptions,
  startServer: lazy(() => import('./server.js'), 'startGraphqlWsServer'),
  connect: lazy(() => import('./client.js'), 'connectGraphqlWs'),
  subscribe: lazy(() => import('./client.js'), 'subscribeGraphqlWs'),
} satisfies PatternCode<GraphqlWsOptions>;
