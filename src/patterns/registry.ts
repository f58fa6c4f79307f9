import { CommbenchError } from '../errors.js';
import type { Pattern } from './types.js';

/**
 * Every pattern, imported lazily: `commbench run rest-vs-grpc` loads only the patterns it uses.
 * A pattern's index.ts is cheap (no protocol library); its server and client load on first use.
 */
const loaders = {
  tcp: () => import('./tcp/index.js'),
  inproc: () => import('./inproc/index.js'),
  'call-chain': () => import('./call-chain/index.js'),
  'queue-chain': () => import('./queue-chain/index.js'),
  'rest-proxy': () => import('./rest-proxy/index.js'),
  rest: () => import('./rest/index.js'),
  'rest-h2': () => import('./rest-h2/index.js'),
  grpc: () => import('./grpc/index.js'),
  graphql: () => import('./graphql/index.js'),
  websocket: () => import('./websocket/index.js'),
  sse: () => import('./sse/index.js'),
  'graphql-ws': () => import('./graphql-ws/index.js'),
  poll: () => import('./poll/index.js'),
  amqp: () => import('./amqp/index.js'),
  'redis-streams': () => import('./redis-streams/index.js'),
  nats: () => import('./nats/index.js'),
  'graphql-n1': () => import('./graphql-n1/index.js'),
  'ws-backplane': () => import('./ws-backplane/index.js'),
  'topic-routing': () => import('./topic-routing/index.js'),
  'event-sourcing': () => import('./event-sourcing/index.js'),
  'push-proxy': () => import('./push-proxy/index.js'),
} satisfies Record<string, () => Promise<{ default: Pattern<unknown> }>>;

export type PatternName = keyof typeof loaders;
export const patternNames = Object.keys(loaders) as PatternName[];

export function isPatternName(name: string): name is PatternName {
  return Object.hasOwn(loaders, name);
}

const cache = new Map<string, Promise<Pattern>>();

export function loadPattern(name: string): Promise<Pattern> {
  if (!isPatternName(name)) {
    return Promise.reject(
      new CommbenchError('E_PATTERN_UNKNOWN', `unknown pattern '${name}'`, {
        hint: `valid patterns: ${patternNames.join(', ')}`,
      }),
    );
  }
  let loaded = cache.get(name);
  if (!loaded) {
    loaded = loaders[name]().then((m) => {
      const pattern = m.default as unknown as Pattern;
      if (pattern.name !== name)
        throw new Error(`pattern registered as '${name}' calls itself '${pattern.name}'`);
      return pattern;
    });
    cache.set(name, loaded);
  }
  return loaded;
}
