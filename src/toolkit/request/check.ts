import { existsSync } from 'node:fs';
import type { RequestSpec } from '../../plan/request.js';

type Key = keyof RequestSpec;

const http: readonly Key[] = ['method', 'headers', 'body', 'bodyFile', 'bodies', 'expect', 'auth', 'tls'];
/** The keys each pattern reads; a key outside its list would be silently ignored, so it is a problem. */
const keysOf: Readonly<Record<string, readonly Key[]>> = {
  rest: http,
  'rest-h2': http,
  graphql: ['headers', 'query', 'variables', 'operationName', 'expect', 'auth', 'tls'],
  grpc: [
    'proto',
    'importPaths',
    'call',
    'message',
    'messageFile',
    'metadata',
    'streamMessages',
    'auth',
    'tls',
  ],
  websocket: ['headers', 'subprotocol', 'message', 'messageFile', 'answer', 'expect', 'auth', 'tls'],
};

/** The request keys `pattern` reads (none for a pattern that takes no request block). */
export function requestKeysOf(pattern: string): readonly Key[] {
  return keysOf[pattern] ?? [];
}

const files: readonly Key[] = ['bodyFile', 'bodies', 'proto', 'messageFile'];

/**
 * What is wrong with `request` for `pattern`, before anything runs (`validate` and `run`): a
 * pattern that takes no request, keys the pattern does not read, what it needs, files that do not
 * exist. Each problem is one line naming the key.
 */
export function requestProblems(pattern: string, request: RequestSpec): string[] {
  const allowed = keysOf[pattern];
  if (!allowed) {
    return [`${pattern} does not take a request block (patterns that do: ${Object.keys(keysOf).join(', ')})`];
  }
  const problems: string[] = [];
  for (const key of Object.keys(request) as Key[]) {
    if (request[key] !== undefined && !allowed.includes(key)) {
      problems.push(`request.${key} does not apply to ${pattern} (it reads ${allowed.join(', ')})`);
    }
  }
  if (pattern === 'grpc' && request.call === undefined) {
    problems.push(
      'grpc: request.call is required (package.Service/Method, e.g. helloworld.Greeter/SayHello)',
    );
  }
  if (pattern === 'graphql' && request.query === undefined)
    problems.push('graphql: request.query is required');
  for (const key of files) {
    const path = request[key];
    if (typeof path === 'string' && allowed.includes(key) && !existsSync(path)) {
      problems.push(`request.${key}: no such file ${path}`);
    }
  }
  for (const key of ['ca', 'cert', 'key'] as const) {
    const path = request.tls?.[key];
    if (path !== undefined && !existsSync(path)) problems.push(`request.tls.${key}: no such file ${path}`);
  }
  return problems;
}
