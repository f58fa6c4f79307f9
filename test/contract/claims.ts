/**
 * The contract suite's per-pattern facts for the claim patterns of issue 14 (graphql-n1,
 * ws-backplane): payload sizes, wire overhead and faulty servers. contract.ts, faults.ts and
 * patterns.test.ts spread these into their tables. ws-backplane's publisher is the websocket
 * pattern's broadcast client on node 1, so websocket's facts and faulty server apply to it.
 */
import { jsonSize, type EchoRecord } from '../../src/message.js';
import type { PatternName } from '../../src/patterns/registry.js';
import { feedQuery } from '../../src/patterns/graphql-n1/client.js';
import { expectedBackendCalls, graphqlN1Options } from '../../src/patterns/graphql-n1/index.js';
import { encodeEvent, eventOf } from '../../src/patterns/event-sourcing/events.js';
import { eventSourcingOptions } from '../../src/patterns/event-sourcing/index.js';
import { jsonBody, listenHttp } from './fault-servers.js';
import { pushFaultyServers } from './push-faults.js';
import { pushOverheadPerOp, pushPayloadSize } from './push.js';

type Options = Record<string, unknown>;
type Mutate = (record: EchoRecord) => EchoRecord;
interface FaultyServer {
  readonly url: string;
  stop(): Promise<void>;
}
type Names = 'graphql-n1' | 'ws-backplane' | 'topic-routing' | 'push-proxy' | 'event-sourcing';

/** The feed response the server sends for `input` (posts as the server's backend makes them). */
function feedResponse(input: EchoRecord, options: Options): string {
  const parsed = graphqlN1Options.parse(options);
  const posts = Array.from({ length: parsed.items }, (_, i) => ({
    id: i + 1,
    title: `post ${i + 1}`,
    author: { id: 1000 + i, name: `author ${1000 + i}` },
  }));
  return JSON.stringify({
    data: { feed: { echo: input, posts } },
    extensions: { backendCalls: expectedBackendCalls(parsed) },
  });
}

export const claimsPayloadSize: Record<Names, (r: EchoRecord, options: Options) => [number, number]> = {
  'graphql-n1': (r, options) => {
    const n = graphqlN1Options.parse(options).items;
    return [
      Buffer.byteLength(JSON.stringify({ query: feedQuery, variables: { n, input: r } })),
      Buffer.byteLength(feedResponse(r, options)),
    ];
  },
  'ws-backplane': (r) => pushPayloadSize.websocket(r, { mode: 'broadcast' }),
  'topic-routing': (r) => [jsonSize(r), 0],
  // append: the event of the record's seq; replay: every event of the log, read back.
  'event-sourcing': (r, options) => {
    const o = eventSourcingOptions.parse(options);
    if (o.phase === 'append') return [encodeEvent(eventOf(r.seq, o.accounts)).length, 0];
    let bytes = 0;
    for (let i = 0; i < o.events; i++) bytes += encodeEvent(eventOf(i, o.accounts)).length;
    return [0, bytes];
  },
  'push-proxy': (r, options) =>
    options.via === 'websocket'
      ? pushPayloadSize.websocket(r, { mode: 'broadcast' })
      : pushPayloadSize.sse(r),
};

export const claimsOverheadPerOp: Record<Names, [number, number]> = {
  'graphql-n1': [100, 700],
  'ws-backplane': pushOverheadPerOp.websocket,
  'topic-routing': [20, 4000],
  'event-sourcing': [20, 4000],
  'push-proxy': pushOverheadPerOp.sse,
};

/**
 * Claim patterns that need a broker without being in src/brokers/kinds.ts's lists (topic-routing
 * starts nats through the nats pattern's server): patterns.test.ts skips them like the queue
 * patterns; test/claims/scenarios.test.ts runs them against a real broker.
 */
export const claimsBrokerPatterns: ReadonlySet<string> = new Set<Names>(['topic-routing', 'event-sourcing']);

const brokerOnly = (): Promise<never> =>
  Promise.reject(
    new Error(
      'topic-routing and event-sourcing are checked against real brokers in test/claims/scenarios.test.ts and events.test.ts',
    ),
  );

export const claimsVariants: Partial<Record<Names, Options[]>> = {
  'graphql-n1': [{ loader: 'dataloader' }],
};

/** Option sets of ws-backplane run through pushSuite: with a backplane every subscriber gets everything. */
export const claimsPushSuites: readonly (readonly [PatternName, Options])[] = [
  // The redis backplane is checked by test/claims/scenarios.test.ts (exact deliveries); one suite keeps the time down.
  ['ws-backplane', { backplane: 'nats', servers: 2 }],
];

async function graphqlN1(mutate: Mutate, options: Options): Promise<FaultyServer> {
  return listenHttp((req, res) => {
    void jsonBody<{ variables: { input: EchoRecord } }>(req).then((request) => {
      res
        .writeHead(200, { 'content-type': 'application/graphql-response+json' })
        .end(feedResponse(mutate(request.variables.input), options));
    });
  });
}

export const claimsFaultyServers: Record<Names, (mutate: Mutate, options: Options) => Promise<FaultyServer>> =
  {
    'graphql-n1': graphqlN1,
    'ws-backplane': pushFaultyServers.websocket,
    'topic-routing': brokerOnly,
    'event-sourcing': brokerOnly,
    // The publisher of push-proxy (via sse, the default) is sse's: sse's faulty server stands in for nginx + sse.
    'push-proxy': pushFaultyServers.sse,
  };
