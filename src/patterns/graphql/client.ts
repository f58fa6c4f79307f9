import { recordsEqual, type EchoRecord } from '../../message.js';
import { connectJsonClient } from '../json-client.js';
import { OpError, type ClientContext, type PatternClient } from '../types.js';
import { echoQuery } from './documents.js';
import type { GraphqlOptions, Selection } from './index.js';

const headers = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json;q=0.9',
};

interface GraphqlResponse {
  data?: { echo?: Partial<EchoRecord> | null } | null;
  errors?: { message?: string }[];
}

/** Checks a GraphQL response to the echo query: no errors, status 200, data.echo matching `msg`. */
function checkEcho(
  status: number,
  body: Buffer,
  msg: EchoRecord,
  verify: boolean,
  selection: Selection,
): OpError | undefined {
  let response: GraphqlResponse;
  try {
    response = JSON.parse(body.toString()) as GraphqlResponse;
  } catch (err) {
    return new OpError('protocol', `HTTP ${status}, response is not JSON: ${(err as Error).message}`);
  }
  if (response.errors?.length) {
    return new OpError('protocol', `HTTP ${status}, GraphQL error: ${response.errors[0]?.message ?? '?'}`);
  }
  if (status !== 200) return new OpError('protocol', `HTTP status ${status}`);
  const echo = response.data?.echo;
  if (!echo) return new OpError('protocol', 'response has no data.echo');
  if (echo.seq !== msg.seq) return new OpError('mismatch', `echo seq ${echo.seq} != ${msg.seq}`);
  if (verify && !(selection === 'full' ? recordsEqual(echo, msg) : echo.name === msg.name)) {
    return new OpError('mismatch', `echo of seq ${msg.seq} differs from the request`);
  }
  return undefined;
}

export function connectGraphql(ctx: ClientContext<GraphqlOptions>): Promise<PatternClient> {
  const { path, selection } = ctx.options;
  // The body is JSON.stringify({ query, variables: { input: msg } }), with the constant part encoded once.
  const prefix = `{"query":${JSON.stringify(echoQuery[selection])},"variables":{"input":`;
  return Promise.resolve(
    connectJsonClient(ctx, {
      path,
      headers,
      body: (msg) => `${prefix}${JSON.stringify(msg)}}}`,
      check: (status, body, msg, verify) => checkEcho(status, body, msg, verify, selection),
    }),
  );
}
