import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

export const selections = ['full', 'narrow'] as const;
export type Selection = (typeof selections)[number];

/** Options of the `graphql` pattern (scenario `options:`); the server and the client read the same. */
export const graphqlOptions = z.strictObject({
  /** Request path of the GraphQL endpoint. */
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'an absolute path without query, e.g. /graphql')
    .default('/graphql'),
  /**
   * Client: the selection set of the echo query. `full`: every field of the record (the same
   * response as rest's body, in a `{"data":{"echo":…}}` envelope); `narrow`: only `seq` and `name`,
   * so the response shrinks while the request still carries the whole record as a variable.
   */
  selection: z.enum(selections).default('full'),
  /**
   * Server: parse and validate each distinct query text once (as Apollo Server and GraphQL Yoga do
   * by default); false = graphql-http's plain path, parse + validate on every request.
   */
  documentCache: z.boolean().default(true),
});
export type GraphqlOptions = z.output<typeof graphqlOptions>;

/**
 * GraphQL over HTTP/1.1 (the GraphQL-over-HTTP spec, served by graphql-http on node:http with a
 * graphql-js schema): `POST <path>` with `{"query": …, "variables": {"input": <record>}}`; the typed
 * schema's `echo(input: EchoRecordInput!): EchoRecord!` returns its input. The client is one undici
 * `Client` per connection with pipelining = inFlight, like rest. Payload bytes = request and
 * response bodies (query text and envelope included, since they are what GraphQL sends).
 * With a `request` block it sends the user's own query, variables and operationName.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(graphqlOptions, server, client);
