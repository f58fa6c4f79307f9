import type { Selection } from './index.js';

/** The echo query of each selection (the client sends it; tests compute payload sizes from it). */
export const echoQuery: Record<Selection, string> = {
  full: 'query Echo($input: EchoRecordInput!) { echo(input: $input) { seq name items { id label score active } text } }',
  narrow: 'query Echo($input: EchoRecordInput!) { echo(input: $input) { seq name } }',
};

/** The schema in SDL, for readers and for tools; schema.ts builds the same types in code. */
export const echoSdl = `
"""An unsigned 32-bit integer (0 … 4294967295); GraphQL's Int is signed."""
scalar UInt32

type Item { id: UInt32! label: String! score: Float! active: Boolean! }
type EchoRecord { seq: UInt32! name: String! items: [Item!]! text: String! }
input ItemInput { id: UInt32! label: String! score: Float! active: Boolean! }
input EchoRecordInput { seq: UInt32! name: String! items: [ItemInput!]! text: String! }

type Query {
  """Returns its input unchanged."""
  echo(input: EchoRecordInput!): EchoRecord!
}
`;
