import {
  GraphQLBoolean,
  GraphQLError,
  GraphQLFloat,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  type GraphQLNullableType,
} from 'graphql';
import type { EchoRecord } from '../../message.js';

function toUInt32(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new GraphQLError(`UInt32 cannot represent ${String(value)}`);
  }
  return value;
}

/** seq and item ids are uint32 (as in proto/echo.proto); GraphQL's Int stops at 2^31 - 1. */
const UInt32 = new GraphQLScalarType<number, number>({
  name: 'UInt32',
  description: 'An unsigned 32-bit integer (0 … 4294967295); GraphQL’s Int is signed.',
  serialize: toUInt32,
  parseValue: toUInt32,
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT) throw new GraphQLError('UInt32 must be an integer literal');
    return toUInt32(Number(ast.value));
  },
});

const nn = <T extends GraphQLNullableType>(type: T) => new GraphQLNonNull(type);

const itemFields = {
  id: { type: nn(UInt32) },
  label: { type: nn(GraphQLString) },
  score: { type: nn(GraphQLFloat) },
  active: { type: nn(GraphQLBoolean) },
};

const Item = new GraphQLObjectType({ name: 'Item', fields: itemFields });
const ItemInput = new GraphQLInputObjectType({ name: 'ItemInput', fields: itemFields });

const EchoRecordType = new GraphQLObjectType({
  name: 'EchoRecord',
  fields: {
    seq: { type: nn(UInt32) },
    name: { type: nn(GraphQLString) },
    items: { type: nn(new GraphQLList(nn(Item))) },
    text: { type: nn(GraphQLString) },
  },
});

const EchoRecordInput = new GraphQLInputObjectType({
  name: 'EchoRecordInput',
  fields: {
    seq: { type: nn(UInt32) },
    name: { type: nn(GraphQLString) },
    items: { type: nn(new GraphQLList(nn(ItemInput))) },
    text: { type: nn(GraphQLString) },
  },
});

/**
 * The echo schema (documents.ts has it as SDL). `respond` turns the input into the resolver's
 * result, e.g. after the injected service delay.
 */
export function echoSchema(
  respond: (input: EchoRecord) => EchoRecord | Promise<EchoRecord> = (input) => input,
): GraphQLSchema {
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        echo: {
          type: nn(EchoRecordType),
          description: 'Returns its input unchanged.',
          args: { input: { type: nn(EchoRecordInput) } },
          resolve: (_root, args: { input: EchoRecord }) => respond(args.input),
        },
      },
    }),
  });
}
