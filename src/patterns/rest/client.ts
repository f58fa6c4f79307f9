import { connectJsonClient } from '../../toolkit/json-client.js';
import { prepareHttpRequest } from '../../toolkit/request/http.js';
import { tlsOptions } from '../../toolkit/request/tls.js';
import type { ClientContext, PatternClient } from '../../toolkit/contract.js';
import { jsonEchoProblem } from './json-echo.js';
import type { RestOptions } from './index.js';

const headers = { 'content-type': 'application/json' };

/**
 * POST the record as JSON to the URL's path (ctx.options.path when the URL has none); the echo must
 * come back with status 200.
 * With a `request` block: the user's method, URL path and query, headers and body, judged by `expect`.
 */
export function connectRest(ctx: ClientContext<RestOptions>): Promise<PatternClient> {
  if (ctx.request) {
    const r = prepareHttpRequest(ctx.url, ctx.request);
    const body = r.body;
    return Promise.resolve(
      connectJsonClient(ctx, {
        path: r.path,
        method: r.method,
        headers: r.headers,
        tls: tlsOptions(ctx.request),
        body: body ? (msg) => body(msg.seq) : () => undefined,
        check: (status, responseBody, _msg, _verify, _sent, received) =>
          r.check(status, responseBody, received['retry-after']),
      }),
    );
  }
  const path = ctx.url.pathname !== '/' ? `${ctx.url.pathname}${ctx.url.search}` : ctx.options.path;
  const request = `POST ${path}`;
  return Promise.resolve(
    connectJsonClient(ctx, {
      path,
      headers,
      body: (msg) => JSON.stringify(msg),
      check: (status, body, msg, verify, _sent, received) =>
        jsonEchoProblem(status, body, msg, verify, request, received['retry-after']),
    }),
  );
}
