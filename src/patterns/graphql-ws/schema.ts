import { buildSchema, type GraphQLSchema } from 'graphql';
import type { EchoRecord } from '../../message.js';

/**
 * The echo record as a GraphQL schema. `seq` is a uint32, beyond GraphQL's 32-bit signed Int, so
 * it is a Float (exact for every uint32).
 */
export const sdl = /* GraphQL */ `
  type Item {
    id: Int!
    label: String!
    score: Float!
    active: Boolean!
  }
  type Echo {
    seq: Float!
    name: String!
    items: [Item!]!
    text: String!
  }
  input ItemInput {
    id: Int!
    label: String!
    score: Float!
    active: Boolean!
  }
  input EchoInput {
    seq: Float!
    name: String!
    items: [ItemInput!]!
    text: String!
  }
  type Query {
    ping: Boolean!
  }
  type Mutation {
    "Publishes the record to every active subscription; returns its seq once accepted."
    publish(record: EchoInput!): Float!
  }
  type Subscription {
    "Every published record; the first event is null: the subscription is live."
    echoes: Echo
  }
`;

export const publishMutation = 'mutation Publish($record: EchoInput!) { publish(record: $record) }';
export const echoesSubscription =
  'subscription Echoes { echoes { seq name items { id label score active } text } }';

/** Callbacks the server wires into the schema. */
export interface EchoResolvers {
  publish(record: EchoRecord): Promise<number>;
  echoes(): AsyncIterableIterator<{ echoes: EchoRecord | null }>;
}

export function echoSchema(resolvers: EchoResolvers): GraphQLSchema {
  const schema = buildSchema(sdl);
  const publish = schema.getMutationType()?.getFields().publish;
  const echoes = schema.getSubscriptionType()?.getFields().echoes;
  if (!publish || !echoes) throw new Error('echo schema lacks publish or echoes');
  publish.resolve = (_root, args: { record: EchoRecord }) => resolvers.publish(args.record);
  echoes.subscribe = () => resolvers.echoes();
  echoes.resolve = (event: { echoes: EchoRecord | null }) => event.echoes;
  const ping = schema.getQueryType()?.getFields().ping;
  if (ping) ping.resolve = () => true;
  return schema;
}
