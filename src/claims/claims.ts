import type { BrokerKind } from '../brokers/kinds.js';
import type { CaseSelector, ClaimRule } from './verdict.js';

/**
 * The system-design claims `commbench claims` checks, each with the shortest honest scenario that
 * tests it and the verdict rules that decide it (data, evaluated by verdict.ts). A scenario is the
 * same object a scenario file holds; `scenarios/` has the long versions and their readings.
 */
export interface Claim {
  /** Short id, the prefix of its cases' ids in the claims result, e.g. 'grpc-smaller'. */
  readonly id: string;
  /** The claim in plain words, as people say it. */
  readonly claim: string;
  /** The built-in scenario that measures it at length. */
  readonly scenario: string;
  /** Scenario fields (defaults and cases), in the scenario file format. */
  readonly run: { readonly defaults: Readonly<Record<string, unknown>>; readonly cases: readonly object[] };
  /** Measured window and warm-up per case: quick (--quick) and the default. */
  readonly timing: { readonly quick: Timing; readonly full: Timing };
  readonly rules: readonly ClaimRule[];
  /** Needs these programs (the claim is not measured without them): nginx or brokers. */
  readonly needs?: 'nginx' | BrokerKind | readonly BrokerKind[];
}

interface Timing {
  readonly duration: string;
  readonly warmup: string;
}

const short: Claim['timing'] = {
  quick: { duration: '1s', warmup: '300ms' },
  full: { duration: '3s', warmup: '1s' },
};
const c1 = { model: 'closed', connections: 1, inFlight: 1 };
const sel = (
  name: string,
  pattern: string,
  options?: Record<string, unknown>,
  extra?: Partial<CaseSelector>,
) => ({ name, pattern, ...(options ? { options } : {}), ...extra }) satisfies CaseSelector;
const none = (n: number) => ({ value: n });
/** Rules that compare the same two sides (two cases, or a case and a value) on one metric each. */
const between = (
  left: CaseSelector,
  right: ClaimRule['right'],
  rules: readonly Omit<ClaimRule, 'left' | 'right'>[],
): ClaimRule[] => rules.map(({ says, metric, op, ...rest }) => ({ says, metric, left, op, right, ...rest }));

export const claims: readonly Claim[] = [
  {
    id: 'monolith',
    claim: 'A monolith has no network latency: a function call is far cheaper than a call to another process',
    scenario: 'monolith-vs-services',
    run: {
      defaults: { load: c1, payload: { size: '1KiB' } },
      cases: [{ pattern: 'inproc' }, { pattern: 'rest' }],
    },
    timing: short,
    rules: between(sel('inproc', 'inproc'), sel('rest', 'rest'), [
      { says: 'p50 per call', metric: 'p50', op: '<', factor: 2 },
    ]),
  },
  {
    id: 'chain-latency',
    claim: 'Latency accumulates across a synchronous chain of services',
    scenario: 'call-chain',
    run: {
      defaults: { load: c1, payload: { size: '1KiB' } },
      cases: [
        { pattern: 'call-chain', options: { 'call-chain': { via: 'rest', hops: 1 } } },
        { pattern: 'call-chain', options: { 'call-chain': { via: 'rest', hops: 4 } } },
      ],
    },
    timing: short,
    rules: between(sel('4 hops', 'call-chain', { hops: 4 }), sel('1 hop', 'call-chain', { hops: 1 }), [
      { says: 'p50 per call', metric: 'p50', op: '>', factor: 1.5 },
    ]),
  },
  {
    id: 'gateway-hop',
    claim: 'An API gateway (or a sidecar) adds a hop: latency and CPU per request',
    scenario: 'gateway-hop',
    needs: 'nginx',
    run: {
      defaults: { load: c1, payload: { size: '1KiB' } },
      cases: [{ pattern: 'rest' }, { pattern: 'rest-proxy', options: { 'rest-proxy': { proxy: 'nginx' } } }],
    },
    // c=1 latency differences of tens of µs: a longer window than the others, or noise decides.
    timing: { quick: { duration: '2s', warmup: '500ms' }, full: { duration: '4s', warmup: '1s' } },
    rules: between(sel('via nginx', 'rest-proxy'), sel('direct', 'rest'), [
      { says: 'p50 per call', metric: 'p50', op: '>', factor: 1.1 },
      { says: 'srv CPU per call', metric: 'serverCpuPerOp', op: '>' },
    ]),
  },
  {
    id: 'grpc-smaller',
    claim: 'gRPC payloads are smaller and parse faster than JSON',
    scenario: 'rest-vs-grpc',
    run: {
      defaults: {
        load: { model: 'closed', connections: 4, inFlight: 1 },
        payload: { size: '1KiB', shape: 'items' },
      },
      cases: [{ pattern: 'rest' }, { pattern: 'grpc' }],
    },
    timing: short,
    rules: between(sel('grpc', 'grpc'), sel('rest', 'rest'), [
      { says: 'payload per call', metric: 'payloadPerOp', op: '<', factor: 1.2 },
      { says: 'srv CPU per call', metric: 'serverCpuPerOp', op: '<' },
    ]),
  },
  {
    id: 'graphql-overfetch',
    claim: 'GraphQL avoids over-fetching: the client gets only the fields it asks for',
    scenario: 'rest-vs-graphql',
    run: {
      defaults: { load: { model: 'closed', connections: 4, inFlight: 1 }, payload: { size: '16KiB' } },
      cases: [{ pattern: 'rest' }, { pattern: 'graphql', options: { graphql: { selection: 'narrow' } } }],
    },
    timing: short,
    rules: between(sel('graphql narrow', 'graphql'), sel('rest', 'rest'), [
      { says: 'response bytes', metric: 'responsePerOp', op: '<', factor: 10 },
      { says: 'p50 per call', metric: 'p50', op: '<' },
    ]),
  },
  {
    id: 'graphql-n1',
    claim:
      "GraphQL's N+1 problem: a nested field costs one backend call per item unless batched (DataLoader)",
    scenario: 'graphql-n1',
    run: {
      defaults: { load: { model: 'closed', connections: 4, inFlight: 1 }, payload: { size: 64 } },
      cases: [
        { pattern: 'graphql-n1', options: { 'graphql-n1': { items: 100, loader: 'none' } } },
        { pattern: 'graphql-n1', options: { 'graphql-n1': { items: 100, loader: 'dataloader' } } },
      ],
    },
    timing: short,
    rules: between(
      sel('per item', 'graphql-n1', { loader: 'none' }),
      sel('DataLoader', 'graphql-n1', { loader: 'dataloader' }),
      [
        { says: 'backend calls per query (N = 100)', metric: 'backendCalls', op: '>', factor: 10 },
        // Beyond the run-to-run noise of one short run.
        { says: 'srv CPU per query', metric: 'serverCpuPerOp', op: '>', factor: 1.1 },
      ],
    ),
  },
  {
    id: 'http2-vs-websocket',
    claim: 'HTTP/2 is also fast: use WebSockets only for server push',
    scenario: 'http2-vs-websocket',
    run: {
      defaults: { payload: { size: '1KiB' } },
      cases: [
        {
          pattern: 'websocket',
          load: { model: 'closed', connections: 1, inFlight: 32 },
          options: { websocket: { mode: 'echo' } },
        },
        { pattern: 'rest-h2', load: { model: 'closed', connections: 1, inFlight: 32 } },
      ],
    },
    timing: short,
    // "Also fast": within 2× of WebSocket on one connection with 32 in flight.
    rules: between(sel('rest-h2', 'rest-h2'), sel('websocket', 'websocket'), [
      { says: 'throughput', metric: 'throughput', op: '>', factor: 0.5 },
      { says: 'srv CPU per call', metric: 'serverCpuPerOp', op: '<', factor: 0.5 },
    ]),
  },
  {
    id: 'polling',
    claim: 'Polling wastes requests (and bytes) when updates are rare',
    scenario: 'low-frequency-updates',
    run: {
      defaults: {
        load: { model: 'rate', rate: 1, connections: 1, inFlight: 1, maxInFlight: 10, subscribers: 4 },
        payload: { size: '1KiB' },
        options: { poll: { interval: '250ms' } },
      },
      cases: [{ pattern: 'poll' }, { pattern: 'sse' }],
    },
    timing: { quick: { duration: '3s', warmup: '300ms' }, full: { duration: '8s', warmup: '1s' } },
    rules: [
      {
        says: 'requests per update',
        metric: 'requestsPerUpdate',
        left: sel('poll', 'poll'),
        op: '>',
        right: none(1.5),
      },
      {
        says: 'wire bytes per update',
        metric: 'wirePerOp',
        left: sel('poll', 'poll'),
        op: '>',
        right: sel('sse', 'sse'),
        factor: 1.5,
      },
    ],
  },
  {
    id: 'sse-reconnect',
    claim: 'SSE reconnects and resumes by itself (Last-Event-ID): a dropped stream loses nothing',
    scenario: 'ws-vs-sse',
    run: {
      defaults: {
        load: { model: 'rate', rate: 100, connections: 1, inFlight: 16, maxInFlight: 2000, subscribers: 2 },
        payload: { size: '1KiB' },
      },
      cases: [{ pattern: 'sse', options: { sse: { dropEvery: '300ms', retry: '20ms' } } }],
    },
    timing: short,
    rules: between(sel('sse', 'sse'), none(0), [
      { says: 'reconnects', metric: 'reconnects', op: '>' },
      { says: 'lost', metric: 'lost', op: '=' },
      { says: 'duplicated', metric: 'duplicated', op: '=' },
    ]),
  },
  {
    id: 'sse-plain-http',
    claim: 'SSE works with plain HTTP infrastructure: it passes a reverse proxy (nginx) like any response',
    scenario: 'push-via-proxy',
    needs: 'nginx',
    run: {
      defaults: {
        load: { model: 'rate', rate: 100, connections: 1, inFlight: 16, maxInFlight: 2000, subscribers: 4 },
        payload: { size: '1KiB' },
      },
      cases: [
        { pattern: 'sse' },
        { pattern: 'push-proxy', options: { 'push-proxy': { via: 'sse', buffering: false } } },
        { pattern: 'push-proxy', options: { 'push-proxy': { via: 'sse', buffering: true } } },
      ],
    },
    timing: short,
    rules: [
      {
        says: 'lost via nginx (proxy_buffering off)',
        metric: 'lost',
        left: sel('off', 'push-proxy', { buffering: false }),
        op: '=',
        right: none(0),
      },
      {
        says: "lost via nginx (nginx's default buffering)",
        metric: 'lost',
        left: sel('on', 'push-proxy', { buffering: true }),
        op: '=',
        right: none(0),
      },
      // Under 5× the direct stream's p50: the proxy adds a hop, not a buffer's delay.
      {
        says: 'p50 delivery',
        metric: 'p50',
        left: sel('via nginx', 'push-proxy', { buffering: false }),
        op: '<',
        right: sel('direct', 'sse'),
        factor: 0.2,
      },
    ],
  },
  {
    id: 'ws-backplane',
    claim: 'WebSocket scale-out needs a backplane: without one, subscribers on other servers miss messages',
    scenario: 'ws-backplane',
    needs: 'redis',
    run: {
      defaults: {
        load: { model: 'rate', rate: 100, connections: 1, inFlight: 16, maxInFlight: 2000, subscribers: 6 },
        payload: { size: '1KiB' },
        timeout: '2s',
      },
      cases: [
        { pattern: 'ws-backplane', options: { 'ws-backplane': { servers: 3, backplane: 'none' } } },
        { pattern: 'ws-backplane', options: { 'ws-backplane': { servers: 3, backplane: 'redis' } } },
      ],
    },
    timing: short,
    rules: [
      {
        says: 'lost without a backplane',
        metric: 'lost',
        left: sel('none', 'ws-backplane', { backplane: 'none' }),
        op: '>',
        right: none(0),
      },
      {
        says: 'lost with Redis pub/sub',
        metric: 'lost',
        left: sel('redis', 'ws-backplane', { backplane: 'redis' }),
        op: '=',
        right: none(0),
      },
    ],
  },
  {
    id: 'topic-routing',
    claim:
      'Topic routing delivers each event only to the consumers of its topic (orders.*, payments.*), on NATS subjects and on a RabbitMQ topic exchange',
    scenario: 'topic-routing',
    needs: ['nats', 'rabbitmq'],
    run: {
      defaults: {
        load: { model: 'rate', rate: 300, connections: 1, inFlight: 64, maxInFlight: 4000, subscribers: 4 },
        payload: { size: 256 },
      },
      cases: [
        { pattern: 'topic-routing', options: { 'topic-routing': { broker: 'nats', subscribe: 'own' } } },
        { pattern: 'topic-routing', options: { 'topic-routing': { broker: 'rabbitmq', subscribe: 'own' } } },
      ],
    },
    timing: short,
    rules: (['nats', 'rabbitmq'] as const).flatMap((broker) => [
      {
        says: `${broker}: missed by a consumer of its topic`,
        metric: 'lost' as const,
        left: sel(broker, 'topic-routing', { broker }),
        op: '=' as const,
        right: none(0),
      },
      {
        says: `${broker}: delivered to a consumer of the other topic`,
        metric: 'duplicated' as const,
        left: sel(broker, 'topic-routing', { broker }),
        op: '=' as const,
        right: none(0),
      },
    ]),
  },
  {
    id: 'event-replay',
    claim:
      'An event log can be replayed to rebuild state, and replay time grows linearly with the number of events (Redis stream, RabbitMQ stream queue)',
    scenario: 'event-sourcing',
    needs: ['redis', 'rabbitmq'],
    run: {
      defaults: { load: c1 },
      cases: (['redis', 'rabbitmq'] as const).flatMap((broker) =>
        [5000, 50_000].map((events) => ({
          pattern: 'event-sourcing',
          options: { 'event-sourcing': { broker, events } },
        })),
      ),
    },
    // One 50k rebuild over AMQP takes about a second on a busy 2-core machine: a window that holds
    // a few. Not fewer events: a rebuild has a fixed cost too (a consumer to start, 15-50 ms over
    // AMQP), which at a few thousand events is as large as the replay itself.
    timing: { quick: { duration: '2.5s', warmup: '300ms' }, full: { duration: '5s', warmup: '500ms' } },
    rules: (['redis', 'rabbitmq'] as const).flatMap((broker) => {
      const small = sel(`${broker} 5k`, 'event-sourcing', { broker, events: 5000 });
      const large = sel(`${broker} 50k`, 'event-sourcing', { broker, events: 50_000 });
      return [
        {
          says: `${broker}: rebuilds equal to the appended balances`,
          metric: 'cleanOps' as const,
          left: large,
          op: '>' as const,
          right: none(0),
        },
        {
          says: `${broker}: replay rate at 10× the events not below half (time ≤ 20×)`,
          metric: 'eventsPerSec' as const,
          left: large,
          op: '>' as const,
          right: small,
          factor: 0.5,
        },
        {
          says: `${broker}: and not above double (time ≥ 5×)`,
          metric: 'eventsPerSec' as const,
          left: large,
          op: '<' as const,
          right: small,
          factor: 0.5,
        },
      ];
    }),
  },
  {
    id: 'queue-decouples',
    claim:
      'A queue decouples the caller from a failing consumer: a synchronous chain fails, a pipeline backs up',
    scenario: 'hop-failure',
    needs: 'rabbitmq',
    run: {
      defaults: {
        load: { model: 'rate', rate: 200, connections: 1, inFlight: 64 },
        payload: { size: '1KiB' },
      },
      cases: [
        {
          pattern: 'call-chain',
          options: { 'call-chain': { via: 'rest', hops: 4, failHop: { hop: 3, at: '700ms', for: '500ms' } } },
        },
        {
          pattern: 'queue-chain',
          load: { subscribers: 1 },
          options: { 'queue-chain': { hops: 4, failHop: { hop: 3, at: '700ms', for: '500ms' } } },
        },
      ],
    },
    timing: { quick: { duration: '1.5s', warmup: '300ms' }, full: { duration: '3s', warmup: '1s' } },
    rules: [
      {
        says: "caller's errors, sync chain",
        metric: 'errors',
        left: sel('rest chain', 'call-chain'),
        op: '>',
        right: none(0),
      },
      ...between(sel('queue chain', 'queue-chain'), none(0), [
        { says: "caller's errors, pipeline", metric: 'errors', op: '=' },
        { says: 'lost, pipeline', metric: 'lost', op: '=' },
      ]),
    ],
  },
  {
    id: 'delivery-guarantees',
    claim:
      'At-most-once loses messages when a consumer dies, at-least-once duplicates them, an idempotent consumer makes it effectively once',
    scenario: 'delivery-guarantees',
    needs: 'redis',
    run: {
      defaults: {
        load: { model: 'rate', rate: 300, connections: 1, inFlight: 64, subscribers: 2 },
        payload: { size: 256 },
        timeout: '10s',
      },
      // processMs 8: two consumers take 250 msg/s of the 300 published, so each holds a batch of
      // read-but-unprocessed messages when it is killed (what at-most-once loses, every time).
      cases: [
        {
          pattern: 'redis-streams',
          options: {
            'redis-streams': {
              ack: 'auto',
              processMs: 8,
              faults: { killConsumerAt: '1s', restartAfter: '500ms' },
            },
          },
        },
        {
          pattern: 'redis-streams',
          options: {
            'redis-streams': {
              ack: 'manual',
              processMs: 8,
              faults: { killConsumerAt: '1s', restartAfter: '500ms' },
            },
          },
        },
        {
          pattern: 'redis-streams',
          options: {
            'redis-streams': {
              ack: 'manual',
              idempotent: true,
              processMs: 8,
              faults: { killConsumerAt: '1s', restartAfter: '500ms' },
            },
          },
        },
      ],
    },
    timing: { quick: { duration: '2s', warmup: '300ms' }, full: { duration: '4s', warmup: '1s' } },
    rules: [
      {
        says: 'lost, at-most-once',
        metric: 'lost',
        left: sel('at-most-once', 'redis-streams', { ack: 'auto' }),
        op: '>',
        right: none(0),
      },
      ...between(sel('at-least-once', 'redis-streams', { ack: 'manual', idempotent: undefined }), none(0), [
        { says: 'lost, at-least-once', metric: 'lost', op: '=' },
        { says: 'duplicated, at-least-once', metric: 'duplicated', op: '>' },
      ]),
      ...between(sel('idempotent', 'redis-streams', { idempotent: true }), none(0), [
        { says: 'lost, idempotent', metric: 'lost', op: '=' },
        { says: 'duplicated, idempotent', metric: 'duplicated', op: '=' },
      ]),
    ],
  },
  {
    id: 'connection-cost',
    claim:
      'A WebSocket server holding many connections needs RAM and a file descriptor for each one (so one process is capped by its open-file limit)',
    scenario: 'connection-scale',
    run: {
      defaults: { load: { model: 'connections' }, payload: { size: 64 }, timeout: '30s' },
      cases: [
        { pattern: 'websocket', options: { websocket: { mode: 'broadcast' } }, load: { connections: 5000 } },
      ],
    },
    timing: { quick: { duration: '500ms', warmup: '0ms' }, full: { duration: '1s', warmup: '0ms' } },
    rules: [
      {
        says: 'server file descriptors per connection',
        metric: 'fdsPerConnection',
        left: sel('5,000 held', 'websocket', undefined, { connections: 5000 }),
        op: '>',
        right: none(0.9),
      },
      {
        says: 'server memory per connection (100k connections: 100,000 times this)',
        metric: 'serverBytesPerConnection',
        left: sel('5,000 held', 'websocket', undefined, { connections: 5000 }),
        op: '>',
        right: none(1024),
      },
    ],
  },
];

/** The claims in the issue that no scenario measures yet (listed by the report as not measured). */
export const unmeasuredClaims: readonly string[] = [];
