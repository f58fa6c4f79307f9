import { jsonEchoProblem } from '../rest/json-echo.js';
import { connectJsonClient } from '../json-client.js';
import { gatewayToken } from '../../hops/nginx-proxy.js';
import type { ClientContext, PatternClient } from '../types.js';
import type { GatewayOptions } from './index.js';

/** The endpoints the server named (query `to`, one per service, in order), called round-robin. */
export function connect(ctx: ClientContext<GatewayOptions>): Promise<PatternClient> {
  const named = ctx.url.searchParams.getAll('to').map((t) => new URL(t));
  // A URL that names none (a gateway commbench did not start): its own /echo.
  const targets = named.length > 0 ? named : [new URL('/echo', ctx.url)];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (ctx.options.auth) headers.authorization = `Bearer ${gatewayToken}`;
  const clients = targets.map((url) => {
    const request = `POST ${url.pathname}`;
    return connectJsonClient(
      { ...ctx, url },
      {
        path: url.pathname,
        headers,
        // The certificate is made at run time on this machine; loopback only.
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
