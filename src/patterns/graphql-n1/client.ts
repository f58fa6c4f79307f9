import { recordsEqual, type EchoRecord } from '../../message.js';
import { graphqlHeaders, graphqlResponse, type GraphqlResponse } from '../graphql/client.js';
import { connectJsonClient } from '../../toolkit/json-client.js';
import { OpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';
import { expectedBackendCalls, type GraphqlN1Options } from './index.js';

export const feedQuery =
  'query Feed($input: EchoRecordInput!, $n: Int!) { feed(input: $input, n: $n) { echo { seq name items { id label score active } text } posts { id title author { id name } } } }';

interface FeedResponse extends GraphqlResponse<{
  feed?: { echo?: Partial<EchoRecord>; posts?: { id?: number; author?: { id?: number } | null }[] } | null;
}> {
  extensions?: { backendCalls?: number };
}

/**
 * Checks a feed response: no errors, status 200, the seq back, N posts each with an author, and
 * `extensions.backendCalls` equal to what the loader mode costs (N + 1 or 2).
 */
export function checkFeed(
  status: number,
  body: Buffer,
  msg: EchoRecord,
  options: GraphqlN1Options,
  verify: boolean,
): OpError | undefined {
  const response = graphqlResponse<FeedResponse>(status, body);
  if (response instanceof OpError) return response;
  const feed = response.data?.feed;
  if (!feed) return new OpError('protocol', 'response has no data.feed');
  if (feed.echo?.seq !== msg.seq) return new OpError('mismatch', `feed seq ${feed.echo?.seq} != ${msg.seq}`);
  const calls = response.extensions?.backendCalls;
  const expected = expectedBackendCalls(options);
  if (calls !== expected) {
    return new OpError('mismatch', `${calls} backend calls for one query, expected ${expected}`);
  }
  if (feed.posts?.length !== options.items) {
    return new OpError('mismatch', `${feed.posts?.length} posts, expected ${options.items}`);
  }
  if (verify && !recordsEqual(feed.echo, msg)) {
    return new OpError('mismatch', `echo of seq ${msg.seq} differs from the request`);
  }
  if (verify && !feed.posts.every((p) => p.author?.id === 999 + (p.id ?? 0))) {
    return new OpError('mismatch', `a post of seq ${msg.seq} has the wrong author`);
  }
  return undefined;
}

/** The query carries the record as `$input` (returned as `feed.echo`) and N. */
export function connect(ctx: ClientContext<GraphqlN1Options>): Promise<PatternClient> {
  const { options } = ctx;
  const prefix = `{"query":${JSON.stringify(feedQuery)},"variables":{"n":${options.items},"input":`;
  return Promise.resolve(
    connectJsonClient(ctx, {
      path: options.path,
      headers: graphqlHeaders,
      body: (msg: EchoRecord) => `${prefix}${JSON.stringify(msg)}}}`,
      check: (status, body, msg, verify) => checkFeed(status, body, msg, options, verify),
    }),
  );
}
