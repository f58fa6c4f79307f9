import type { BrokerKind } from '../brokers/kinds.js';
import { formatCount } from '../units.js';
import { pollIntervalUs, type CaseSelector, type ClaimRule } from './verdict.js';

/** Which of the two system-design documents, and which section. */
export const notesSections = {
  'sd-0': 'System design, opening quote',
  'sd-1': 'System design §1 Microservices vs Monolith',
  'sd-2': 'System design §2 API Gateway',
  'sd-3': 'System design §3 gRPC vs REST',
  'sd-4': 'System design §4 WebSockets',
  'sd-5': 'System design §5 Service Mesh',
  'cp-1': 'Patterns §1 Synchronous vs Asynchronous',
  'cp-2': 'Patterns §2 REST vs gRPC vs GraphQL',
  'cp-3': 'Patterns §3 Message Queues',
  'cp-4': 'Patterns §4 WebSockets',
  'cp-4.1': 'Patterns §4.1 SSE vs WebSockets',
  'cp-4.2': 'Patterns §4.2 Delivery Guarantees & Idempotency',
  'cp-5': 'Patterns §5 Event-Driven Architecture',
  'cp-6': 'Patterns §6 Pattern Selection Guide',
  'cp-7': 'Patterns §7 Quick Reference',
} as const;
export type NotesSection = keyof typeof notesSections;

/**
 * Words of the system-design notes ("System Design: Communication & API Patterns" and
 * "Communication Patterns in Backend Systems"), exactly as written (a contiguous passage, markdown
 * emphasis removed), and the section they come from.
 */
export interface NotesWords {
  readonly words: string;
  readonly section: NotesSection;
}

/**
 * The system-design claims `commbench claims` checks, each with the shortest honest scenario that
 * tests it and the verdict rules that decide it (data, evaluated by verdict.ts). A scenario is the
 * same object a scenario file holds; `scenarios/` has the long versions and their readings.
 */
export interface Claim {
  /** Short id, the prefix of its cases' ids in the claims result, e.g. 'grpc-payload'. */
  readonly id: string;
  /** The notes' own words this claim measures; the first is the one the report shows first. */
  readonly notes: readonly [NotesWords, ...NotesWords[]];
  /** What was measured to test them, in a line: the cases and the unit. */
  readonly test: string;
  /** The built-in scenario that measures it at length. */
  readonly scenario: string;
  /**
   * Scenario fields (defaults and cases), in the scenario file format; or `casesOf`: the id of
   * another claim whose cases this one reads (no cases of its own, nothing run twice).
   */
  readonly run:
    | { readonly defaults: Readonly<Record<string, unknown>>; readonly cases: readonly object[] }
    | { readonly casesOf: string };
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
/** Two calls at a time: enough requests in a short window for CPU per request read in 10 ms ticks. */
const c2 = { model: 'closed', connections: 2, inFlight: 1 };
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

const n = (section: NotesSection, words: string): NotesWords => ({ words, section });
const rate = (r: number, extra: Record<string, unknown> = {}) => ({
  model: 'rate',
  rate: r,
  connections: 1,
  inFlight: 16,
  maxInFlight: 2000,
  ...extra,
});
/** `a` over `b` as the share `b` grows by: '12%' ('0%' when smaller). */
const addedShare = (a: number, b: number): string =>
  `${b > 0 ? Math.max(0, Math.round((100 * (a - b)) / b)) : 0}%`;
/**
 * A rule on one case with a reference chain beside the measured one (gateway `reference`, mesh
 * `reference`): the measured chain's nginx CPU per request vs the reference's, same window.
 */
const paired = (
  says: string,
  measured: CaseSelector,
  reference: string,
  op: '<' | '>',
  factor: number,
): ClaimRule => ({
  says,
  metric: 'proxyCpuPerOp',
  left: measured,
  op,
  right: { ...measured, name: reference },
  rightMetric: 'referenceCpuPerOp',
  factor,
});
/** TLS termination, token check, rate limit and access log at once (the gateway pattern's options). */
const allConcerns = { tls: true, auth: true, rateLimit: true, log: true };

/** One consumer killed 1 s in (with messages read and not yet acknowledged) and restarted 500 ms later. */
const consumerKill = { killConsumerAt: '1s', restartAfter: '500ms' };

export const claims: readonly Claim[] = [
  {
    id: 'monolith',
    notes: [
      n('sd-1', 'Zero network latency (function calls).'),
      n('sd-1', 'you just added network latency to every function call'),
    ],
    test: 'the echo handler as a function call (inproc, JSON) vs over HTTP/1.1 (rest), p50 at 1 in flight',
    scenario: 'monolith-vs-services',
    run: {
      defaults: { load: c1, payload: { size: '1KiB' } },
      cases: [{ pattern: 'inproc' }, { pattern: 'rest' }],
    },
    timing: short,
    rules: between(sel('rest', 'rest'), sel('inproc', 'inproc'), [
      { says: 'p50 per call', metric: 'p50', op: '>', factor: 2 },
    ]),
  },
  {
    id: 'failure-isolation',
    notes: [
      n('sd-1', 'A memory leak in "Image Processing" crashes the "Checkout" page.'),
      n('sd-1', 'Failure isolation.'),
    ],
    test: 'the image endpoint leaks JS heap until V8 ends its process (node --max-old-space-size=64; restarted 100 ms later), 200 calls/s to one endpoint: checkout callers when /checkout and /image share a process (monolith) vs are two processes (services), and the image callers',
    scenario: 'failure-isolation',
    run: {
      defaults: { load: rate(200, { inFlight: 64 }), payload: { size: '1KiB' } },
      cases: (
        [
          ['monolith', 'checkout'],
          ['services', 'checkout'],
          ['services', 'image'],
        ] as const
      ).map(([layout, call]) => ({
        pattern: 'failure-isolation',
        options: { 'failure-isolation': { layout, call, leak: { at: '500ms', restartAfter: '100ms' } } },
      })),
    },
    // The leak starts 500 ms after the first call (200 ms into the window, the warm-up being 300 ms
    // in both timings) and the heap is full about half a second later: the crash is in the window.
    timing: { quick: { duration: '3s', warmup: '300ms' }, full: { duration: '4s', warmup: '300ms' } },
    rules: [
      {
        says: "checkout callers' errors",
        metric: 'errors',
        left: sel('monolith', 'failure-isolation', { layout: 'monolith', call: 'checkout' }),
        op: '>',
        right: none(0),
      },
      {
        says: "checkout callers' errors",
        metric: 'errors',
        left: sel('services', 'failure-isolation', { layout: 'services', call: 'checkout' }),
        op: '=',
        right: none(0),
      },
      {
        says: "image callers' errors",
        metric: 'errors',
        left: sel('services', 'failure-isolation', { layout: 'services', call: 'image' }),
        op: '>',
        right: none(0),
      },
    ],
  },
  {
    id: 'chain-latency',
    notes: [n('cp-1', 'Accumulated across chain')],
    test: 'a REST chain of 4 services vs 1, p50 at 1 in flight',
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
      { says: 'p50 per call', metric: 'p50', op: '>', factor: 2 },
    ]),
  },
  {
    id: 'async-latency',
    notes: [n('cp-1', 'Perceived latency reduced'), n('cp-1', 'Caller continues immediately')],
    test: "the caller's p50 when 20 ms of work is done in the call (rest, server delay) vs by a queue consumer (RabbitMQ, publisher confirms), 40 calls/s",
    scenario: 'sync-vs-async',
    needs: 'rabbitmq',
    run: {
      defaults: { load: rate(40, { inFlight: 8 }), payload: { size: '1KiB' } },
      cases: [
        { pattern: 'rest', server: { delay: '20ms' } },
        {
          pattern: 'amqp',
          load: { subscribers: 1 },
          options: { amqp: { mode: 'work-queue', confirm: true, processMs: 20 } },
        },
      ],
    },
    timing: short,
    rules: between(sel('sync', 'rest'), sel('queue', 'amqp'), [
      { says: "caller's p50", metric: 'callerP50', op: '>' },
    ]),
  },
  {
    id: 'mesh-hop',
    notes: [n('sd-5', 'Adds a small hop to every call.')],
    test: 'rest direct vs through two nginx sidecars at 1 in flight, for an echo and for a call with 5 ms of work: "small" = the sidecars add under a quarter of the direct call\'s p50',
    scenario: 'sidecar-hop',
    needs: 'nginx',
    run: {
      defaults: { load: c1, payload: { size: '1KiB' } },
      cases: [0, 5].flatMap((ms) => [
        { pattern: 'rest', server: { delay: `${ms}ms` } },
        {
          pattern: 'rest-proxy',
          server: { delay: `${ms}ms` },
          options: { 'rest-proxy': { proxy: 'nginx', proxies: 2 } },
        },
      ]),
    },
    // c=1 latency differences of tens of µs: a longer window than the others, or noise decides.
    timing: { quick: { duration: '2s', warmup: '500ms' }, full: { duration: '4s', warmup: '1s' } },
    rules: [0, 5].flatMap((ms) =>
      between(
        sel('sidecars', 'rest-proxy', { proxies: 2 }, { serverDelayMs: ms }),
        sel('direct', 'rest', undefined, { serverDelayMs: ms }),
        [
          {
            says: `p50, ${ms ? '5 ms' : 'echo'}`,
            metric: 'p50',
            op: '<',
            factor: 1.25,
            explain: (mesh, direct) => `+${addedShare(mesh, direct)}`,
          },
        ],
      ),
    ),
  },
  {
    id: 'gateway-spof',
    notes: [n('sd-2', 'If the Gateway is misconfigured, no one gets in.')],
    test: '3 services, calls spread over them at 200/s: through an nginx gateway whose upstreams point at a dead port, vs direct with service 2 killed',
    scenario: 'gateway-spof',
    needs: 'nginx',
    run: {
      defaults: { load: rate(200), payload: { size: '1KiB' }, timeout: '2s' },
      cases: [
        { route: 'gateway', fault: 'misconfigured' },
        { route: 'direct', fault: 'service-down' },
      ].map((o) => ({ pattern: 'gateway', options: { gateway: { services: 3, ...o } } })),
    },
    timing: short,
    rules: [
      {
        says: 'failed, misconfigured',
        metric: 'errorShare',
        left: sel('gateway', 'gateway', { fault: 'misconfigured' }),
        op: '>',
        right: none(0.99),
      },
      {
        says: 'failed, 1 of 3 down',
        metric: 'errorShare',
        left: sel('direct', 'gateway', { route: 'direct' }),
        op: '<',
        right: none(0.5),
      },
    ],
  },
  {
    id: 'gateway-bottleneck',
    notes: [n('sd-2', 'All traffic passes through here.')],
    test: "throughput at saturation (16 connections, closed loop) of one rest service, direct vs through an nginx gateway, 3 windows each taken in turn (the machine's load drifts); the gateway's CPU per request vs the service's, × the notes' 50 services",
    scenario: 'gateway-bottleneck',
    needs: 'nginx',
    run: {
      defaults: {
        load: { model: 'closed', connections: 16, inFlight: 1 },
        payload: { size: '1KiB' },
        repeat: 3,
      },
      cases: (['direct', 'gateway'] as const).map((route) => ({
        pattern: 'gateway',
        options: { gateway: { route } },
      })),
    },
    timing: short,
    rules: [
      ...between(
        sel('gateway', 'gateway', { route: 'gateway' }),
        sel('direct', 'gateway', { route: 'direct' }),
        [{ says: 'throughput', metric: 'throughput', op: '<' }],
      ),
      {
        says: 'CPU vs service/50',
        metric: 'proxyCpuPerOp',
        left: sel('nginx', 'gateway', { route: 'gateway' }),
        op: '>',
        right: sel('service', 'gateway', { route: 'gateway' }),
        rightMetric: 'serviceCpuPerOp',
        factor: 1 / 50,
        explain: (gateway, service) =>
          `${formatCount(1e6 / gateway)}/s a core; busiest past ${Math.max(1, Math.round(service / gateway))} services`,
      },
    ],
  },
  {
    id: 'gateway-concerns',
    notes: [n('sd-2', 'Auth, Rate Limiting, Logging, SSL termination happen in one place.')],
    test: "one rest service behind nginx, 2 calls at a time alternating between two gateways side by side (one window, one machine): TLS termination, then token check + rate limit + access log, vs routing alone; all four at each of 3 hops (TLS between them) vs once at the gateway: the nginx processes' CPU per request",
    scenario: 'gateway-concerns',
    needs: 'nginx',
    run: {
      defaults: { load: c2, payload: { size: '1KiB' } },
      cases: [
        { tls: true, reference: 'plain' },
        { auth: true, rateLimit: true, log: true, reference: 'plain' },
        { ...allConcerns, hops: 3, concernsAt: 'every-hop', reference: 'once' },
      ].map((o) => ({ pattern: 'gateway', options: { gateway: o } })),
    },
    timing: { quick: { duration: '2s', warmup: '500ms' }, full: { duration: '4s', warmup: '1s' } },
    rules: [
      paired('SSL termination', sel('TLS', 'gateway', { tls: true, hops: undefined }), 'plain', '>', 1),
      paired('auth+limit+log', sel('checks', 'gateway', { auth: true, hops: undefined }), 'plain', '<', 2),
      paired('every service', sel('3 hops', 'gateway', { hops: 3 }), 'once', '>', 1),
    ],
  },
  {
    id: 'mesh-sidecars',
    notes: [
      n('sd-5', 'Moving network logic (retries, timeouts, mTLS) out of your code and into a sidecar proxy.'),
    ],
    test: "caller → sidecar → sidecar → rest service (nginx), 2 calls at a time alternating between an mTLS pair of sidecars (certificates made by openssl) and a plain pair beside it; a service answering every call 503, the caller's sidecar retrying 0 or 2 times, 200 calls/s, requests counted by the service",
    scenario: 'mesh-sidecars',
    needs: 'nginx',
    run: {
      defaults: { load: c2, payload: { size: '1KiB' }, timeout: '2s' },
      cases: [
        { pattern: 'mesh', options: { mesh: { mtls: true, reference: true } } },
        ...[0, 2].map((retries) => ({
          pattern: 'mesh',
          load: rate(200),
          options: { mesh: { retries, serviceFails: true } },
        })),
      ],
    },
    timing: { quick: { duration: '2s', warmup: '500ms' }, full: { duration: '4s', warmup: '1s' } },
    rules: [
      paired('mTLS, CPU', sel('mTLS', 'mesh', { mtls: true }), 'plain', '>', 1),
      ...between(sel('retries', 'mesh', { retries: 2 }), sel('none', 'mesh', { retries: 0 }), [
        { says: 'received per call', metric: 'receivedPerCall', op: '>', factor: 2.5 },
      ]),
    ],
  },
  {
    id: 'grpc-payload',
    notes: [n('sd-3', 'Smaller payloads'), n('cp-2', 'High (binary, multiplexed)')],
    test: 'grpc (grpc-js) vs rest (node:http, JSON), 1 KiB record, 4 connections: payload bytes and throughput',
    scenario: 'rest-vs-grpc',
    run: {
      defaults: {
        load: { model: 'closed', connections: 4, inFlight: 1 },
        payload: { size: '1KiB', shape: 'items' },
      },
      cases: [{ pattern: 'rest' }, { pattern: 'grpc' }],
    },
    timing: short,
    rules: [
      ...between(sel('rest', 'rest'), sel('grpc', 'grpc'), [
        { says: 'payload per call', metric: 'payloadPerOp', op: '>', factor: 1.2 },
      ]),
      ...between(sel('grpc', 'grpc'), sel('rest', 'rest'), [
        { says: 'performance: throughput', metric: 'throughput', op: '>' },
      ]),
    ],
  },
  {
    id: 'grpc-parsing',
    notes: [n('sd-3', 'faster parsing')],
    test: 'encode + decode of the same 1 KiB record, request and answer, in one process: protobuf (protobufjs) vs JSON (V8), p50',
    scenario: 'monolith-vs-services',
    run: {
      defaults: { load: c1, payload: { size: '1KiB' } },
      cases: [
        { pattern: 'inproc', options: { inproc: { serialize: 'json' } } },
        { pattern: 'inproc', options: { inproc: { serialize: 'protobuf' } } },
      ],
    },
    // Differences of a few µs per call: a longer window than the others.
    timing: { quick: { duration: '2s', warmup: '300ms' }, full: { duration: '4s', warmup: '1s' } },
    rules: between(
      sel('JSON', 'inproc', { serialize: 'json' }),
      sel('protobuf', 'inproc', { serialize: 'protobuf' }),
      [{ says: 'p50 per encode+decode', metric: 'p50', op: '>' }],
    ),
  },
  {
    id: 'graphql-overfetch',
    notes: [n('cp-2', 'Client specifies fields'), n('cp-2', 'Over/under-fetching common')],
    test: 'a 16 KiB record: REST returns all of it, a GraphQL query asks for two fields; response bytes',
    scenario: 'rest-vs-graphql',
    run: {
      defaults: { load: { model: 'closed', connections: 4, inFlight: 1 }, payload: { size: '16KiB' } },
      cases: [{ pattern: 'rest' }, { pattern: 'graphql', options: { graphql: { selection: 'narrow' } } }],
    },
    timing: short,
    rules: between(sel('rest', 'rest'), sel('graphql', 'graphql'), [
      { says: 'response bytes', metric: 'responsePerOp', op: '>', factor: 10 },
    ]),
  },
  {
    id: 'graphql-n1',
    notes: [n('cp-7', 'N+1 queries')],
    test: 'a query for 100 posts with a nested author, the data behind a separate REST service: backend calls and server CPU (GraphQL + data service) per query, resolver per item vs DataLoader',
    scenario: 'graphql-n1',
    run: {
      defaults: { load: { model: 'closed', connections: 4, inFlight: 1 }, payload: { size: 64 } },
      cases: (['none', 'dataloader'] as const).map((loader) => ({
        pattern: 'graphql-n1',
        options: { 'graphql-n1': { items: 100, loader, backend: 'service' } },
      })),
    },
    timing: short,
    rules: between(
      sel('per item', 'graphql-n1', { loader: 'none' }),
      sel('DataLoader', 'graphql-n1', { loader: 'dataloader' }),
      [
        { says: 'backend calls per query', metric: 'backendCalls', op: '>', factor: 10 },
        { says: 'srv CPU per query', metric: 'serverCpuPerOp', op: '>', factor: 1.5 },
      ],
    ),
  },
  {
    id: 'graphql-caching',
    notes: [n('cp-7', 'caching complexity')],
    test: "one product read through nginx with proxy_cache and without, the origin saying Cache-Control: public, max-age=60 to both: a REST GET vs a GraphQL POST query, 4 connections; the origin's CPU per request (nginx's not counted)",
    scenario: 'graphql-caching',
    needs: 'nginx',
    run: {
      defaults: { load: { model: 'closed', connections: 4, inFlight: 1 }, payload: { size: 64 } },
      cases: (['rest', 'graphql'] as const).flatMap((api) =>
        [true, false].map((cache) => ({ pattern: 'http-cache', options: { 'http-cache': { api, cache } } })),
      ),
    },
    timing: short,
    rules: [
      {
        says: 'REST GET, origin CPU',
        metric: 'originCpuPerOp',
        left: sel('cached', 'http-cache', { api: 'rest', cache: true }),
        op: '<',
        right: sel('direct', 'http-cache', { api: 'rest', cache: false }),
        factor: 0.1,
      },
      {
        says: 'GraphQL POST, origin CPU',
        metric: 'originCpuPerOp',
        left: sel('cached', 'http-cache', { api: 'graphql', cache: true }),
        op: '>',
        right: sel('direct', 'http-cache', { api: 'graphql', cache: false }),
        factor: 0.25,
      },
    ],
  },
  {
    id: 'http2-vs-websocket',
    notes: [n('sd-4', 'HTTP/2 is also fast. Use WebSockets only if you need Server Push.')],
    test: 'request/response at 500 calls/s on one connection, HTTP/2 (rest-h2: one node:http2 session, a stream per request) vs WebSocket echo: "also fast" = the same order of magnitude (under 10×) in the fastest request and in server CPU per request',
    scenario: 'http2-vs-websocket',
    run: {
      defaults: { load: rate(500, { inFlight: 8 }), payload: { size: '1KiB' } },
      cases: [{ pattern: 'websocket', options: { websocket: { mode: 'echo' } } }, { pattern: 'rest-h2' }],
    },
    // A steady rate, not a closed-loop race: back-to-back calls on a loaded machine read 3–14× (the
    // busier the machine, the more HTTP/2's longer path loses). node:http2 runs a stream object per
    // request through JS on both sides: after 300 ms its requests still cost about twice what they
    // cost warm (JIT), so a longer warm-up than the others.
    timing: { quick: { duration: '1s', warmup: '2s' }, full: { duration: '3s', warmup: '2s' } },
    rules: between(sel('HTTP/2', 'rest-h2'), sel('WebSocket', 'websocket'), [
      { says: 'fastest request', metric: 'minLatency', op: '<', factor: 10 },
      { says: 'srv CPU per request', metric: 'serverCpuPerOp', op: '<', factor: 10 },
    ]),
  },
  {
    id: 'connection-cost',
    notes: [
      n('sd-4', 'A WebSocket server holding 100k connections needs serious RAM and file descriptors.'),
      n('cp-4', 'Stateful connection (server must track clients)'),
    ],
    test: '5,000 idle WebSocket subscriptions held: server descriptors per connection, memory growth × 100,000 ("serious" = over 100 MiB)',
    scenario: 'connection-scale',
    run: {
      defaults: { payload: { size: 64 }, timeout: '30s' },
      cases: [
        {
          pattern: 'websocket',
          options: { websocket: { mode: 'broadcast' } },
          load: { model: 'connections', connections: 5000 },
        },
        // The cost of one poll, for the polling claim: a 64 B request and answer over keep-alive.
        { pattern: 'rest', load: c1 },
      ],
    },
    timing: { quick: { duration: '500ms', warmup: '100ms' }, full: { duration: '1s', warmup: '300ms' } },
    rules: [
      {
        says: 'server descriptors per connection',
        metric: 'fdsPerConnection',
        left: sel('held', 'websocket'),
        op: '>',
        right: none(0.9),
      },
      {
        says: 'server memory for 100,000 connections',
        metric: 'serverMemoryFor100k',
        left: sel('held', 'websocket'),
        op: '>',
        right: none(100 * 2 ** 20),
      },
    ],
  },
  {
    id: 'polling',
    notes: [
      n(
        'sd-4',
        'If data changes once an hour, just poll. Keeping a TCP connection open for occasional updates is wasteful.',
      ),
    ],
    test: 'clients per server resource: polling once a minute (CPU per 64 B keep-alive request; new-connection cost not counted) per core vs idle WebSockets (memory each) per GiB',
    scenario: 'low-frequency-updates',
    run: { casesOf: 'connection-cost' },
    timing: short,
    rules: [
      {
        says: 'clients: polling each minute per core vs held per GiB',
        metric: 'pollClientsPerCore',
        left: sel('poll', 'rest'),
        op: '>',
        right: sel('held', 'websocket'),
        rightMetric: 'heldClientsPerGiB',
        explain: (poll, held) => {
          const seconds = ((pollIntervalUs / 1e6) * held) / poll;
          return `equal at one poll every ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
        },
      },
    ],
  },
  {
    id: 'sse-reconnect',
    notes: [n('cp-4.1', 'Built-in, automatic'), n('cp-4.1', 'App-managed')],
    test: 'at 100 events/s the SSE server drops every stream every 300 ms (EventSource-style client, Last-Event-ID) and the WebSocket server its subscribers 1 s after it starts (mid-window: a window with no delivery at all would fail the case), a WebSocket subscriber having no reconnect code of its own',
    scenario: 'ws-vs-sse',
    run: {
      // timeout: the grace for missing deliveries after the window, which the WebSocket's losses wait out.
      defaults: { load: rate(100, { subscribers: 2 }), payload: { size: '1KiB' }, timeout: '2s' },
      cases: [
        { pattern: 'sse', options: { sse: { dropEvery: '300ms', retry: '20ms' } } },
        { pattern: 'websocket', options: { websocket: { mode: 'broadcast', dropEvery: '1s' } } },
      ],
    },
    timing: short,
    rules: [
      ...between(sel('SSE', 'sse'), none(0), [
        { says: 'reconnects', metric: 'reconnects', op: '>' },
        { says: 'lost', metric: 'lost', op: '=' },
        { says: 'duplicated', metric: 'duplicated', op: '=' },
      ]),
      ...between(sel('WebSocket', 'websocket'), none(0), [
        { says: 'reconnects by itself', metric: 'reconnects', op: '=' },
        { says: 'lost after the drop', metric: 'lost', op: '>' },
      ]),
    ],
  },
  {
    id: 'sse-proxy',
    notes: [n('cp-4.1', 'Works with HTTP infrastructure')],
    test: 'SSE at 100 events/s to 4 subscribers through nginx as a reverse proxy, proxy_buffering off and really on (X-Accel-Buffering ignored): every event delivered',
    scenario: 'push-via-proxy',
    needs: 'nginx',
    run: {
      defaults: { load: rate(100, { subscribers: 4 }), payload: { size: '1KiB' } },
      cases: [false, true].map((buffering) => ({
        pattern: 'push-proxy',
        options: { 'push-proxy': { via: 'sse', buffering } },
      })),
    },
    timing: short,
    // Latency through the proxy is not part of the claim (and on a loaded 2-core machine it is
    // noise): a buffering proxy that broke the stream would lose events, which the grace shows.
    rules: [false, true].map((buffering): ClaimRule => ({
      says: 'lost through nginx',
      metric: 'lost',
      left: sel(buffering ? 'buffering on' : 'buffering off', 'push-proxy', { buffering }),
      op: '=',
      right: none(0),
    })),
  },
  {
    id: 'ws-backplane',
    notes: [
      n(
        'sd-4',
        "If User A is connected to Server 1, sending a message to Server 2 won't reach them (requires a Pub/Sub backplane like Redis).",
      ),
      n('cp-4.1', 'Requires sticky sessions or shared state'),
    ],
    test: '3 WebSocket servers, 6 subscribers spread over them, publisher on server 1: without a backplane vs Redis pub/sub',
    scenario: 'ws-backplane',
    needs: 'redis',
    run: {
      defaults: { load: rate(100, { subscribers: 6 }), payload: { size: '1KiB' }, timeout: '2s' },
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
    notes: [n('cp-5', 'Routes events'), n('cp-5', 'Reacts to events of interest')],
    test: 'orders.* and payments.* events, 4 consumers each of one topic, on NATS subjects and a RabbitMQ topic exchange',
    scenario: 'topic-routing',
    needs: ['nats', 'rabbitmq'],
    run: {
      defaults: {
        load: rate(300, { inFlight: 64, maxInFlight: 4000, subscribers: 4 }),
        payload: { size: 256 },
      },
      cases: [
        { pattern: 'topic-routing', options: { 'topic-routing': { broker: 'nats', subscribe: 'own' } } },
        { pattern: 'topic-routing', options: { 'topic-routing': { broker: 'rabbitmq', subscribe: 'own' } } },
      ],
    },
    timing: short,
    rules: (['nats', 'rabbitmq'] as const).flatMap((broker) =>
      between(sel(broker, 'topic-routing', { broker }), none(0), [
        { says: 'missed by a consumer of its topic', metric: 'lost', op: '=' },
        { says: 'delivered to a consumer of the other topic', metric: 'duplicated', op: '=' },
      ]),
    ),
  },
  {
    id: 'event-replay',
    notes: [n('cp-5', 'Store all changes as events, rebuild state by replay.')],
    test: 'balances from 10,000 appended events rebuilt by replaying the whole log, repeatedly: Redis stream, RabbitMQ stream queue',
    scenario: 'event-sourcing',
    needs: ['redis', 'rabbitmq'],
    run: {
      defaults: { load: c1 },
      cases: (['redis', 'rabbitmq'] as const).map((broker) => ({
        pattern: 'event-sourcing',
        options: { 'event-sourcing': { broker, events: 10_000 } },
      })),
    },
    timing: { quick: { duration: '2.5s', warmup: '300ms' }, full: { duration: '5s', warmup: '500ms' } },
    rules: (['redis', 'rabbitmq'] as const).flatMap((broker): ClaimRule[] => [
      {
        says: 'rebuilds that differ from the appended state',
        metric: 'errors',
        left: sel(broker, 'event-sourcing', { broker }),
        op: '=',
        right: none(0),
      },
      {
        says: 'rebuilds, at least 3',
        metric: 'ops',
        left: sel(broker, 'event-sourcing', { broker }),
        op: '>',
        right: none(2),
      },
    ]),
  },
  {
    id: 'queue-decouples',
    notes: [
      n('cp-1', 'Loose (producer/consumer decoupled)'),
      n('cp-1', 'Tight (both services must be available)'),
      n('cp-7', 'Cascading failures'),
    ],
    test: 'hop 3 of a 4-hop chain down for 700 ms at 50 calls/s: the caller of a REST chain vs of a RabbitMQ pipeline',
    scenario: 'hop-failure',
    needs: 'rabbitmq',
    run: {
      defaults: { load: rate(50, { inFlight: 64 }), payload: { size: '1KiB' } },
      cases: [
        {
          pattern: 'call-chain',
          options: { 'call-chain': { via: 'rest', hops: 4, failHop: { hop: 3, at: '500ms', for: '700ms' } } },
        },
        {
          pattern: 'queue-chain',
          load: { subscribers: 1 },
          options: { 'queue-chain': { hops: 4, failHop: { hop: 3, at: '500ms', for: '700ms' } } },
        },
      ],
    },
    // The outage starts 500 ms after the hop's first call (in the warm-up): inside the window even
    // when a loaded machine is late.
    timing: { quick: { duration: '2s', warmup: '300ms' }, full: { duration: '3s', warmup: '300ms' } },
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
    notes: [
      n('cp-4.2', 'At-most-once: Fast, but messages may be lost.'),
      n('cp-4.2', 'At-least-once: No loss, but duplicates possible.'),
      n('cp-4.2', 'Exactly-once: Hardest; requires coordination or idempotent consumers.'),
    ],
    test: 'Redis streams, 2 consumers, one killed with read-but-unacknowledged messages and restarted; 3 trials each: auto-ack, ack after processing, idempotent',
    scenario: 'delivery-guarantees',
    needs: 'redis',
    run: {
      defaults: {
        load: { model: 'rate', rate: 300, connections: 1, inFlight: 64, subscribers: 2 },
        payload: { size: 256 },
        // The grace after the window for what is still missing: at-most-once's losses wait it out.
        timeout: '3s',
        repeat: 3,
      },
      // processMs 8: two consumers take 250 msg/s of the 300 published, so each holds a backlog of
      // read, unacknowledged messages when it is killed, and one message processed but not acked.
      cases: [{ ack: 'auto' }, { ack: 'manual' }, { ack: 'manual', idempotent: true }].map((o) => ({
        pattern: 'redis-streams',
        options: { 'redis-streams': { ...o, processMs: 8, faults: consumerKill } },
      })),
    },
    timing: { quick: { duration: '2s', warmup: '300ms' }, full: { duration: '4s', warmup: '1s' } },
    rules: [
      {
        says: 'at-most-once: lost, in every trial',
        metric: 'lostEveryTrial',
        left: sel('auto-ack', 'redis-streams', { ack: 'auto' }),
        op: '>',
        right: none(0),
      },
      ...between(sel('ack after', 'redis-streams', { ack: 'manual', idempotent: undefined }), none(0), [
        { says: 'at-least-once: lost, in any trial', metric: 'lostAnyTrial', op: '=' },
        { says: 'at-least-once: duplicated, in every trial', metric: 'duplicatedEveryTrial', op: '>' },
      ]),
      ...between(sel('idempotent', 'redis-streams', { idempotent: true }), none(0), [
        { says: 'idempotent: lost, in any trial', metric: 'lostAnyTrial', op: '=' },
        { says: 'idempotent: duplicated, in any trial', metric: 'duplicatedAnyTrial', op: '=' },
      ]),
    ],
  },
  {
    id: 'message-ordering',
    notes: [n('cp-7', 'Message ordering')],
    test: 'RabbitMQ work queue, 2 competing consumers, one killed with unacknowledged messages (requeued to the other) and restarted; 3 trials',
    scenario: 'delivery-guarantees',
    needs: 'rabbitmq',
    run: {
      defaults: {
        load: { model: 'rate', rate: 300, connections: 1, inFlight: 64, subscribers: 2 },
        payload: { size: 256 },
        timeout: '3s',
        repeat: 3,
      },
      cases: [
        {
          pattern: 'amqp',
          options: {
            amqp: {
              mode: 'work-queue',
              processMs: 8,
              faults: { killConsumerAt: '700ms', restartAfter: '300ms' },
            },
          },
        },
      ],
    },
    timing: { quick: { duration: '1.5s', warmup: '300ms' }, full: { duration: '3s', warmup: '500ms' } },
    rules: [
      {
        says: 'deliveries after a later message, in every trial',
        metric: 'outOfOrderEveryTrial',
        left: sel('competing', 'amqp'),
        op: '>',
        right: none(0),
      },
    ],
  },
];

/** Statements of the notes that no claim measures, grouped by why not. */
export interface UnmeasuredGroup {
  /** Why these are not measured here, in a line. */
  readonly reason: string;
  readonly notes: readonly NotesWords[];
}

/** Every statement of the notes that `claims` does not measure, with the reason (the report lists them). */
export const unmeasuredClaims: readonly UnmeasuredGroup[] = [
  {
    reason: 'about teams, deployment and refactoring, not traffic: nothing here to measure',
    notes: [
      n('sd-0', 'Microservices are a organizational scaling pattern, not a technical performance pattern.'),
      n('sd-1', 'Refactoring is easy (IDE does it).'),
      n('sd-1', 'Hard to scale teams (merge conflicts).'),
      n('sd-1', 'Independent deployment (Team A releases without blocking Team B).'),
      n('sd-1', 'If you have 3 developers, manage a monolith.'),
      n('sd-1', "If you don't know where the boundaries are yet, you will slice it wrong."),
      n('sd-5', 'You are doubling the number of containers (Sidecars).'),
      n('sd-5', 'It is a massive operational burden.'),
      n('cp-7', 'Browser support, debugging'),
    ],
  },
  {
    reason: 'transactions need a database; commbench measures the communication only',
    notes: [n('sd-1', 'ACID transactions are easy.'), n('sd-1', 'lost ACID transactions')],
  },
  {
    reason: 'browser support: not tested in a browser (Chromium) yet',
    notes: [
      n('sd-3', 'Browsers do not support gRPC natively (requires gRPC-Web proxy).'),
      n('sd-3', 'Every browser, curl, and language speaks JSON/HTTP.'),
    ],
  },
  {
    reason: 'readability and typing of contracts: not a property of traffic',
    notes: [
      n('sd-3', 'Human readable.'),
      n('sd-3', 'You can read the payload on the wire.'),
      n('sd-3', 'Strictly typed contracts.'),
      n('sd-2', 'The frontend talks to api.site.com, not 50 different IP addresses.'),
    ],
  },
  {
    reason:
      'not installable here: no Kafka broker in npm or Debian; SQS and AWS API Gateway are AWS services',
    notes: [
      n('cp-6', 'Event Streaming (Kafka)'),
      n('cp-3', 'RabbitMQ, Apache Kafka, AWS SQS, Redis Streams'),
      n('sd-2', 'Sometimes AWS API Gateway is expensive at scale.'),
    ],
  },
  {
    reason: 'measurable, no scenario for it yet',
    notes: [
      n(
        'sd-2',
        'Service A should usually call Service B directly (or via Mesh), not loop back out to the public Gateway.',
      ),
      n('cp-6', 'High-throughput streaming?'),
      n('cp-4', 'Low latency (no request overhead per message)'),
      n('cp-4.2', 'Use idempotency keys (e.g., Idempotency-Key header) to dedupe.'),
      n('cp-7', 'Eventual consistency, debugging'),
    ],
  },
  {
    reason:
      'measured by a scenario (trace-context; graphql-n1 for a backend in another process) but not judged here',
    notes: [n('cp-4.2', 'Propagate context (W3C Trace Context) for observability.')],
  },
  {
    reason: 'advice on which to choose: judged only through the claims it rests on',
    notes: [
      n('cp-4.1', 'Prefer SSE for server-push only and simpler infrastructure'),
      n('cp-6', 'Need guaranteed delivery?'),
      n('sd-4', 'Real-time chat, live sports scores, gaming.'),
    ],
  },
];
