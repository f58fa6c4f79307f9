import { brokerKinds, type BrokerKind } from '../brokers/kinds.js';
import { CommbenchError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { isPush, type Pattern, type PatternCode, type PatternInfo } from '../toolkit/contract.js';

/**
 * Every pattern: what it is (kind, URL scheme, one-line summary) and its code, imported lazily, so
 * `commbench run rest-vs-grpc` loads only the patterns it uses and `commbench list` or validating a
 * scenario loads none. A pattern's index.ts is cheap (options schema, lazy imports); its server and
 * client load on first use (docs/architecture.md, Conventions: lazy patterns).
 */
const catalogue = {
  tcp: {
    kind: 'request-response',
    scheme: 'tcp',
    summary: 'raw TCP, length-prefixed JSON frames reflected unchanged (the transport floor)',
    load: () => import('./tcp/index.js'),
  },
  inproc: {
    kind: 'request-response',
    scheme: 'inproc',
    summary: 'the echo handler as a function call in the driver process (the monolith baseline, no network)',
    load: () => import('./inproc/index.js'),
  },
  'call-chain': {
    kind: 'request-response',
    scheme: 'http',
    summary: 'a synchronous chain of N service processes, each forwarding to the next over rest or grpc',
    load: () => import('./call-chain/index.js'),
  },
  'failure-isolation': {
    kind: 'request-response',
    scheme: 'http',
    summary:
      'one component leaks memory until its process dies: /checkout and /image in one process (monolith) or two (services)',
    load: () => import('./failure-isolation/index.js'),
  },
  'http-cache': {
    kind: 'request-response',
    scheme: 'http',
    summary:
      'one product read through nginx with a proxy cache: a REST GET (cached) vs a GraphQL POST query (not)',
    load: () => import('./http-cache/index.js'),
  },
  'queue-chain': {
    kind: 'queue',
    scheme: 'amqp',
    summary:
      'the call chain as an async pipeline: N services linked by RabbitMQ queues, end to end at the last',
    broker: { default: 'rabbitmq' },
    load: () => import('./queue-chain/index.js'),
  },
  'rest-proxy': {
    kind: 'request-response',
    scheme: 'http',
    summary: 'rest through reverse-proxy processes (nginx or a Node proxy): an API gateway or sidecar hops',
    load: () => import('./rest-proxy/index.js'),
  },
  gateway: {
    kind: 'request-response',
    scheme: 'http',
    summary:
      'an API gateway (nginx) in front of N service processes, or the services called directly; TLS, token, rate limit, log; faults',
    load: () => import('./gateway/index.js'),
  },
  mesh: {
    kind: 'request-response',
    scheme: 'http',
    summary: "a service mesh's two nginx sidecars between caller and service: mTLS between them, retries",
    load: () => import('./mesh/index.js'),
  },
  rest: {
    kind: 'request-response',
    scheme: 'http',
    summary:
      'HTTP/1.1 POST with a JSON body (node:http server, lean node:net or undici client, keep-alive, pipelining)',
    load: () => import('./rest/index.js'),
  },
  'rest-h2': {
    kind: 'request-response',
    scheme: 'http',
    summary: 'HTTP/2 POST with a JSON body (node:http2 server and client; h2c, or TLS with a generated cert)',
    load: () => import('./rest-h2/index.js'),
  },
  grpc: {
    kind: 'request-response',
    scheme: 'grpc',
    summary: 'gRPC over HTTP/2, protobuf (@grpc/grpc-js); unary, bidi-stream or server-stream mode',
    load: () => import('./grpc/index.js'),
  },
  graphql: {
    kind: 'request-response',
    scheme: 'http',
    summary:
      'GraphQL over HTTP (graphql-js + graphql-http on node:http, undici client); full or narrow selection',
    load: () => import('./graphql/index.js'),
  },
  websocket: {
    kind: 'push',
    scheme: 'ws',
    summary: 'WebSocket (ws): echo over one socket, or broadcast from a publisher to N subscribers',
    load: () => import('./websocket/index.js'),
  },
  sse: {
    kind: 'push',
    scheme: 'http',
    summary:
      'Server-Sent Events: POST publishes, every EventSource subscriber receives (Last-Event-ID resume)',
    load: () => import('./sse/index.js'),
  },
  'graphql-ws': {
    kind: 'push',
    scheme: 'ws',
    summary: 'GraphQL subscriptions over graphql-ws (WebSocket); a mutation publishes to every subscriber',
    load: () => import('./graphql-ws/index.js'),
  },
  poll: {
    kind: 'push',
    scheme: 'http',
    summary: 'HTTP polling at an interval (GET ?since=cursor): the baseline for infrequent updates',
    load: () => import('./poll/index.js'),
  },
  amqp: {
    kind: 'queue',
    scheme: 'amqp',
    summary:
      'AMQP 0-9-1 on RabbitMQ (amqplib): work queue, pub/sub exchange, RPC; confirms, persistence, acks',
    broker: { default: 'rabbitmq' },
    load: () => import('./amqp/index.js'),
  },
  'redis-streams': {
    kind: 'queue',
    scheme: 'redis',
    summary: 'Redis Streams (ioredis): XADD / XREADGROUP / XACK with consumer groups; work queue or fan-out',
    broker: { default: 'redis' },
    load: () => import('./redis-streams/index.js'),
  },
  nats: {
    kind: 'queue',
    scheme: 'nats',
    summary: 'NATS core (nats.js): queue groups, pub/sub fan-out, request/reply',
    broker: { default: 'nats' },
    load: () => import('./nats/index.js'),
  },
  'graphql-n1': {
    kind: 'request-response',
    scheme: 'http',
    summary:
      'GraphQL N+1: a list of N posts with a nested author per post, resolved per item or by DataLoader',
    load: () => import('./graphql-n1/index.js'),
  },
  'ws-backplane': {
    kind: 'push',
    scheme: 'ws',
    summary:
      'WebSocket scale-out: 2-4 ws server processes, subscribers spread over them; no backplane vs Redis vs NATS',
    load: () => import('./ws-backplane/index.js'),
  },
  'topic-routing': {
    kind: 'queue',
    scheme: 'nats',
    summary:
      'Topic routing on NATS subjects or a RabbitMQ topic exchange: orders.* and payments.* consumers each get exactly their topic',
    broker: { default: 'nats', byOption: ['rabbitmq'] },
    load: () => import('./topic-routing/index.js'),
  },
  'event-sourcing': {
    kind: 'request-response',
    scheme: 'redis',
    summary:
      'Event sourcing: append events to a Redis stream or RabbitMQ stream queue, rebuild state by replaying',
    broker: { default: 'redis', byOption: ['rabbitmq'] },
    load: () => import('./event-sourcing/index.js'),
  },
  'push-proxy': {
    kind: 'push',
    scheme: 'http',
    summary: 'SSE or WebSocket push through nginx (proxy_buffering off, Upgrade passed)',
    load: () => import('./push-proxy/index.js'),
  },
} satisfies Record<string, CatalogueEntry>;

interface CatalogueEntry extends Omit<PatternInfo, 'name'> {
  load(): Promise<{ default: PatternCode<unknown> }>;
}

export type PatternName = keyof typeof catalogue;
export const patternNames = Object.keys(catalogue) as PatternName[];

export function isPatternName(name: string): name is PatternName {
  return Object.hasOwn(catalogue, name);
}

function unknown(name: string): CommbenchError {
  return new CommbenchError(
    'E_PATTERN_UNKNOWN',
    `unknown pattern '${name}'${didYouMean(name, patternNames)}`,
    {
      hint: `valid patterns: ${patternNames.join(', ')}`,
    },
  );
}

/** The catalogue entry of `name`, without loading its code. */
export function patternInfo(name: string): PatternInfo {
  if (!isPatternName(name)) throw unknown(name);
  const entry: CatalogueEntry = catalogue[name];
  const { kind, scheme, summary, broker } = entry;
  return { name, kind, scheme, summary, ...(broker ? { broker } : {}) };
}

/**
 * The broker a pattern talks to, if it is a queue pattern: the one its `broker` option names
 * (options as written in a scenario) when the pattern allows it, else its default.
 */
export function brokerOf(
  pattern: string,
  options?: Readonly<Record<string, unknown>>,
): BrokerKind | undefined {
  const broker = isPatternName(pattern) ? patternInfo(pattern).broker : undefined;
  if (!broker) return undefined;
  const chosen = options?.broker;
  return broker.byOption?.find((k) => k === chosen) ?? broker.default;
}

/** Every broker a pattern may talk to (its default and those its `broker` option may name). */
export function brokersOf(pattern: string): BrokerKind[] {
  const broker = isPatternName(pattern) ? patternInfo(pattern).broker : undefined;
  return brokerKinds.filter((k) => k === broker?.default || (broker?.byOption?.includes(k) ?? false));
}

/** Every broker the given patterns may talk to, each once: what a run starts. */
export function brokersFor(patterns: Iterable<string>): BrokerKind[] {
  const all = new Set([...patterns].flatMap(brokersOf));
  return brokerKinds.filter((k) => all.has(k));
}

/**
 * `--broker-url` keys: a broker kind or a pattern that talks to one ('rabbitmq' or 'amqp', 'redis'
 * or 'redis-streams', 'nats').
 */
export function brokerKindFor(key: string): BrokerKind | undefined {
  return (brokerKinds as readonly string[]).includes(key) ? (key as BrokerKind) : brokerOf(key);
}

/**
 * Whether a case of this pattern with these options (as written in the scenario) runs as push or
 * queue: subscribers opened in the driver, deliveries tracked. The one place that asks (isPush of
 * the loaded pattern); throws like loadPattern and the options' parse.
 */
export async function casePushes(spec: {
  readonly pattern: string;
  readonly options?: Readonly<Record<string, unknown>>;
}): Promise<boolean> {
  const pattern = await loadPattern(spec.pattern);
  return isPush(pattern, pattern.options.parse(spec.options ?? {}));
}

const cache = new Map<string, Promise<Pattern>>();

/** The pattern `name`: its catalogue entry and its code (index.ts), loaded once. */
export function loadPattern(name: string): Promise<Pattern> {
  if (!isPatternName(name)) return Promise.reject(unknown(name));
  let loaded = cache.get(name);
  if (!loaded) {
    loaded = catalogue[name]
      .load()
      .then((m) => ({ ...patternInfo(name), ...(m.default as unknown as PatternCode) }));
    cache.set(name, loaded);
  }
  return loaded;
}
