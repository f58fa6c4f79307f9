import { jsonEchoProblem } from '../rest/json-echo.js';
import { connectJsonClient } from '../../toolkit/json-client.js';
import { gatewayToken } from '../../hops/nginx-proxy.js';
import type { ClientContext, PatternClient } from '../../toolkit/contract.js';
import type { GatewayOptions } from './index.js';

export function connect(ctx: ClientContext<GatewayOptions>): Promise<PatternClient> {
  return connectEndpoints(ctx, ctx.options.auth ? { authorization: `Bearer ${gatewayToken}` } : {});
}

/**
 * A JSON echo client (undici, keep-alive) for each endpoint the server named (query `to`, in
 * order; none: the URL's own /echo), called round-robin: the services behind a gateway, or a
 * measured chain and its reference. https endpoints: the certificate made at start is not checked (loopback).
 */
export function connectEndpoints(
  ctx: ClientContext<unknown>,
  extraHeaders: Readonly<Record<string, string>>,
): Promise<PatternClient> {
  const named = ctx.url.searchParams.getAll('to').map((t) => new URL(t));
  const targets = named.length > 0 ? named : [new URL('/echo', ctx.url)];
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  const clients = targets.map((url) => {
    const request = `POST ${url.pathname}`;
    return connectJsonClient(
      { ...ctx, url },
      {
        path: url.pathname,
        headers,
        ...(url.protocol === 'https:' ? { tls: { rejectUnauthorized: false } } : {}),
        body: (msg) => JSON.stringify(msg),
        check: (status, body, msg, verify) => jsonEchoProblem(status, body, msg, verify, request),
      },
    );
  });
  let next = 0;
  return Promise.resolve({
    send(msg, verify) {
      const client = clients[next++ % clients.length] as PatternClient;
      return client.send(msg, verify);
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
    },
  });
}
