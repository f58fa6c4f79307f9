import { recordsEqual, type EchoRecord } from '../../message.js';
import { CommbenchError } from '../../errors.js';
import { connectJsonClient } from '../../toolkit/json-client.js';
import { resolveEnv } from '../../toolkit/request/env.js';
import { echoExpect, expectChecker, requestHeaders, statusError } from '../../toolkit/request/http.js';
import type { RequestSpec } from '../../plan/request.js';
import { compileTemplate } from '../../toolkit/request/template.js';
import { tlsOptions } from '../../toolkit/request/tls.js';
import { OpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';
import { echoQuery } from './documents.js';
import type { GraphqlOptions, Selection } from './index.js';

/** The request headers of commbench's GraphQL clients (graphql, graphql-n1). */
export const graphqlHeaders = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json;q=0.9',
};

/** What a GraphQL server answers: `data` of the query's shape, or `errors`. */
export interface GraphqlResponse<Data> {
  data?: Data | null;
  errors?: { message?: string }[];
}

/**
 * Parses the answer of commbench's own GraphQL server: JSON, no `errors`, status 200 (checked in
 * that order, so that a GraphQL error is named even on a non-200). The response, or the OpError to
 * fail with.
 */
export function graphqlResponse<R extends GraphqlResponse<unknown>>(
  status: number,
  body: Buffer,
): R | OpError {
  let response: R;
  try {
    response = JSON.parse(body.toString()) as R;
  } catch (err) {
    return new OpError('protocol', `HTTP ${status}, response is not JSON: ${(err as Error).message}`);
  }
  if (response.errors?.length) {
    return new OpError('protocol', `HTTP ${status}, GraphQL error: ${response.errors[0]?.message ?? '?'}`);
  }
  if (status !== 200) return new OpError('protocol', `HTTP status ${status}`);
  return response;
}

/**
 * Checks a GraphQL response to the echo query: no errors, status 200, data.echo matching `msg`.
 * A 429 or 503 is `rejected` (the server turned `request` away for load, `retryAfter` quoted).
 */
function checkEcho(
  status: number,
  body: Buffer,
  msg: EchoRecord,
  verify: boolean,
  selection: Selection,
  request: string,
  retryAfter: string | readonly string[] | undefined,
): OpError | undefined {
  if (status === 429 || status === 503) return statusError(status, request, echoExpect, retryAfter);
  const response = graphqlResponse<GraphqlResponse<{ echo?: Partial<EchoRecord> | null }>>(status, body);
  if (response instanceof OpError) return response;
  const echo = response.data?.echo;
  if (!echo) return new OpError('protocol', 'response has no data.echo');
  if (echo.seq !== msg.seq) return new OpError('mismatch', `echo seq ${echo.seq} != ${msg.seq}`);
  if (verify && !(selection === 'full' ? recordsEqual(echo, msg) : echo.name === msg.name)) {
    return new OpError('mismatch', `echo of seq ${msg.seq} differs from the request`);
  }
  return undefined;
}

/**
 * The user's own GraphQL API: `request.query`, `variables` (templates allowed in strings),
 * `operationName`, headers and auth, POSTed to the URL's path (options.path when it has none).
 * Success: `expect` on the status (default 2xx), and a JSON body with `data` and no `errors`.
 */
function connectOwnGraphql(ctx: ClientContext<GraphqlOptions>, request: RequestSpec): PatternClient {
  if (request.query === undefined) {
    throw new CommbenchError('E_USAGE', 'graphql request needs request.query (the GraphQL document)', {
      hint: 'e.g. request: { query: "query ($id: ID!) { order(id: $id) { id } }", variables: { id: "{{seq}}" } }',
    });
  }
  const document = {
    query: request.query,
    ...(request.variables ? { variables: request.variables } : {}),
    ...(request.operationName ? { operationName: request.operationName } : {}),
  };
  const body = compileTemplate(resolveEnv(JSON.stringify(document)));
  const path = ctx.url.pathname !== '/' ? `${ctx.url.pathname}${ctx.url.search}` : ctx.options.path;
  const status = expectChecker(request.expect, `POST ${path}`);
  return connectJsonClient(ctx, {
    path,
    headers: { ...graphqlHeaders, ...requestHeaders(request) },
    tls: tlsOptions(request),
    body: (msg) => body.render(msg.seq),
    check(code, responseBody, _msg, _verify, _sent, received) {
      const retryAfter = received['retry-after'];
      let response: { data?: unknown; errors?: { message?: string; path?: unknown[] }[] };
      try {
        response = JSON.parse(responseBody.toString()) as typeof response;
      } catch (err) {
        return (
          status(code, responseBody, retryAfter) ??
          new OpError('protocol', `HTTP ${code}, response is not JSON: ${(err as Error).message}`)
        );
      }
      // Auth, path and method problems first: a server may also put them into `errors`.
      if (code === 401 || code === 403 || code === 404 || code === 405)
        return status(code, responseBody, retryAfter);
      if (response.errors?.length) {
        const first = response.errors[0];
        const at = Array.isArray(first?.path) ? ` at ${first.path.join('.')}` : '';
        return new OpError(
          'protocol',
          `HTTP ${code}, GraphQL error${at}: ${first?.message ?? '?'} (${response.errors.length} error${response.errors.length === 1 ? '' : 's'}); check request.query and variables`,
        );
      }
      const problem = status(code, responseBody, retryAfter);
      if (problem) return problem;
      if (response.data === undefined || response.data === null) {
        return new OpError('protocol', `HTTP ${code}, response has no data`);
      }
      return undefined;
    },
  });
}

export function connect(ctx: ClientContext<GraphqlOptions>): Promise<PatternClient> {
  if (ctx.request) return Promise.resolve(connectOwnGraphql(ctx, ctx.request));
  const { selection } = ctx.options;
  const path = ctx.url.pathname !== '/' ? `${ctx.url.pathname}${ctx.url.search}` : ctx.options.path;
  // The body is JSON.stringify({ query, variables: { input: msg } }), with the constant part encoded once.
  const prefix = `{"query":${JSON.stringify(echoQuery[selection])},"variables":{"input":`;
  return Promise.resolve(
    connectJsonClient(ctx, {
      path,
      headers: graphqlHeaders,
      body: (msg) => `${prefix}${JSON.stringify(msg)}}}`,
      check: (status, body, msg, verify, _sent, received) =>
        checkEcho(status, body, msg, verify, selection, `POST ${path}`, received['retry-after']),
    }),
  );
}
