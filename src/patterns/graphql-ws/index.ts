import { z } from 'zod';
import { pushPattern } from '../../toolkit/lazy.js';

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
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(graphqlWsOptions, server, client);
