import { readFileSync } from 'node:fs';
import { CommbenchError } from '../../errors.js';
import { OpError } from '../contract.js';
import { resolveEnv, resolveEnvDeep } from './env.js';
import { requestFileProblem } from './preflight.js';
import type { ExpectSpec, RequestSpec } from '../../plan/request.js';
import { compileTemplate, roundRobin } from './template.js';

const pathsHint =
  'paths in a scenario file are relative to that file; on the command line, to the current directory';

/**
 * Reads a file the request block names; a missing one, one that is not a regular file (a device or
 * a pipe) or one larger than `maxRequestFileBytes` is a usage error naming the field.
 */
export function readRequestFile(path: string, field: string): string {
  const problem = requestFileProblem(path, field);
  if (problem !== undefined) throw new CommbenchError('E_USAGE', problem, { hint: pathsHint });
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CommbenchError('E_USAGE', `request.${field}: cannot read ${path}: ${(err as Error).message}`, {
      hint: pathsHint,
    });
  }
}

/** Header names lower-cased, `${ENV:…}` resolved, auth turned into an authorization header. */
export function requestHeaders(request: RequestSpec | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request?.headers ?? {}))
    headers[k.toLowerCase()] = resolveEnv(String(v));
  const auth = request?.auth ? resolveEnvDeep(request.auth) : undefined;
  if (auth && 'bearer' in auth) headers.authorization = `Bearer ${auth.bearer}`;
  if (auth && 'basic' in auth) {
    headers.authorization = `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`;
  }
  return headers;
}

/** The body producer of a request block (undefined: no body): templates compiled once. */
export function requestBody(request: RequestSpec | undefined): ((seq: number) => string) | undefined {
  if (!request) return undefined;
  let texts: string[];
  if (request.body !== undefined) {
    texts = [typeof request.body === 'string' ? request.body : JSON.stringify(request.body)];
  } else if (request.bodyFile !== undefined) {
    texts = [readRequestFile(request.bodyFile, 'bodyFile')];
  } else if (request.bodies !== undefined) {
    texts = readRequestFile(request.bodies, 'bodies')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    if (texts.length === 0) {
      throw new CommbenchError('E_USAGE', `request.bodies: ${request.bodies} has no lines`, {
        hint: 'one request body per line (JSON lines)',
      });
    }
  } else {
    return undefined;
  }
  return roundRobin(texts.map((t) => compileTemplate(resolveEnv(t))));
}

const statusHints: Record<number, string> = {
  429: 'the server is rate limiting: lower --rate or --connections',
  503: 'the server is overloaded or unavailable: lower --rate or --connections, or check it',
  400: 'the server rejected the request: check request.body and content-type',
  401: 'not authenticated: check request.auth or the authorization header (secrets: ${ENV:NAME})',
  403: 'forbidden: the credentials are valid but not allowed; check request.auth / headers',
  404: 'wrong path? the path and query of the target URL are what is requested',
  405: 'wrong method: set request.method (or -X) to one the endpoint allows',
  415: 'unsupported media type: set a content-type header',
};

/** What commbench's own echo servers answer: 200 with the echo. */
export const echoExpect: ExpectSpec = { status: 200 };

/** Why `status` failed `expect` ("HTTP 404 on POST /x: wrong path? …"), one line. */
export function statusProblem(status: number, what: string, expect: ExpectSpec | undefined): string {
  const wanted = expect?.status === undefined ? 'any 2xx' : [expect.status].flat().join(' or ');
  const hint =
    statusHints[status] ?? (status >= 500 ? 'the server failed: see its logs' : `expected ${wanted}`);
  return `HTTP ${status} on ${what} (expected ${wanted}): ${hint}`;
}

/**
 * The OpError of a failed status: `rejected` for 429 and 503 (the server turned the request away
 * for load; `retryAfter`, the response's Retry-After, is said: "the server asked to retry after 2 s",
 * or quoted when it is a date), `protocol` otherwise.
 */
export function statusError(
  status: number,
  what: string,
  expect: ExpectSpec | undefined,
  retryAfter?: string | readonly string[],
): OpError {
  const problem = statusProblem(status, what, expect);
  if (status !== 429 && status !== 503) return new OpError('protocol', problem);
  const after = [retryAfter ?? []].flat()[0];
  if (after === undefined) return new OpError('rejected', problem);
  const seconds = /^\s*\d+\s*$/.test(after) ? `the server asked to retry after ${after.trim()} s; ` : '';
  return new OpError('rejected', `${problem}; ${seconds}Retry-After: ${after}`);
}

/** A check of a status and body against `expect` (default: any 2xx); undefined = success. */
export function expectChecker(
  expect: ExpectSpec | undefined,
  what: string,
): (status: number, body: Buffer, retryAfter?: string | readonly string[]) => OpError | undefined {
  const statuses = expect?.status === undefined ? undefined : new Set([expect.status].flat());
  const contains = expect?.bodyContains;
  return (status, body, retryAfter) => {
    if (statuses ? !statuses.has(status) : status < 200 || status > 299) {
      return statusError(status, what, expect, retryAfter);
    }
    if (contains !== undefined && body.indexOf(contains) < 0) {
      return new OpError('mismatch', `response to ${what} does not contain ${JSON.stringify(contains)}`);
    }
    return undefined;
  };
}

/** Everything a JSON/HTTP client needs for one user request, prepared once per connection. */
export interface HttpRequest {
  readonly method: string;
  /** Path and query from the target URL ('/' when it has none). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ((seq: number) => string) | undefined;
  /** `retryAfter`: the response's Retry-After, quoted when a 429 or 503 is `rejected`. */
  readonly check: (
    status: number,
    body: Buffer,
    retryAfter?: string | readonly string[],
  ) => OpError | undefined;
}

export function prepareHttpRequest(url: URL, request: RequestSpec): HttpRequest {
  const body = requestBody(request);
  const method = (request.method ?? (body ? 'POST' : 'GET')).toUpperCase();
  const headers = requestHeaders(request);
  if (body && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const path = `${url.pathname || '/'}${url.search}`;
  return { method, path, headers, body, check: expectChecker(request.expect, `${method} ${path}`) };
}
