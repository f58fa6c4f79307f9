import type { MeshCerts } from './certs.js';

/**
 * One nginx process's routing (the lines of its `http` block; nginx.ts's nginxFile wraps them): an
 * API gateway (routes by path prefix to several services, with the cross-cutting concerns) or a
 * service mesh's sidecar (one route, mTLS to the next sidecar, retries).
 */
export interface ProxySite {
  /** `host:port` ([v6]:port) to listen on. */
  readonly listen: string;
  /** Path prefix → upstream origin (http:// or https://); the prefix is stripped ('/' keeps the path). */
  readonly routes: readonly { readonly prefix: string; readonly upstream: string }[];
  /** Terminate TLS on `listen` with the server certificate. */
  readonly tls?: boolean;
  /** With `tls`: require a client certificate signed by the CA (mTLS), 400 without one. */
  readonly verifyClient?: boolean;
  /** To an https:// upstream: present the client certificate (mTLS), and verify the upstream's against the CA. */
  readonly clientCert?: boolean;
  /** Requests whose `Authorization` is not `Bearer <token>` are answered 401 here, never forwarded. */
  readonly token?: string;
  /** `limit_req` on every request, with a limit far above the load (it counts, never rejects). */
  readonly rateLimit?: boolean;
  /** Access log, one line per request, to this file. */
  readonly accessLog?: string;
  /** Tries per request (proxy_next_upstream on error, timeout and 503, POST included): 1 = no retry. */
  readonly tries?: number;
  readonly certs?: MeshCerts;
}

/** Bearer token the gateway checks and commbench's clients send. */
export const gatewayToken = 'commbench-gateway-token';

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`nginx site: ${what} needs certificates`);
  return v;
}

/** The `http` block lines of `site`: a limit zone, one upstream per route, one server. */
export function proxySite(site: ProxySite): string {
  const tries = Math.max(1, site.tries ?? 1);
  const upstreams = site.routes.map((r, i) => {
    const host = new URL(r.upstream).host;
    // Retries go to the next server of the group: the same service listed once per try (never
    // marked down), as a mesh retries one service's instances.
    const servers = Array.from({ length: tries }, () => `    server ${host} max_fails=0;`).join('\n');
    return `upstream route${i} {\n${servers}\n    keepalive 256;\n    keepalive_requests 100000000;\n    keepalive_timeout 120s;\n  }`;
  });
  const lines: string[] = [];
  if (site.tls) {
    const c = need(site.certs, 'tls');
    lines.push(`ssl_certificate ${c.serverCert};`, `ssl_certificate_key ${c.serverKey};`);
    if (site.verifyClient) lines.push(`ssl_client_certificate ${c.ca};`, 'ssl_verify_client on;');
  }
  if (site.accessLog) lines.push(`access_log ${site.accessLog};`);
  const locations = site.routes.map((r, i) => {
    const https = r.upstream.startsWith('https:');
    const inner: string[] = [];
    if (site.token !== undefined) {
      inner.push(`if ($http_authorization != "Bearer ${site.token}") { return 401; }`);
    }
    if (site.rateLimit) inner.push('limit_req zone=gateway burst=100000 nodelay;');
    inner.push(
      `proxy_pass ${https ? 'https' : 'http'}://route${i}${r.prefix === '/' ? '' : '/'};`,
      'proxy_http_version 1.1;',
      'proxy_set_header Connection "";',
    );
    if (https) {
      inner.push('proxy_ssl_session_reuse on;', 'proxy_ssl_server_name on;', 'proxy_ssl_name localhost;');
      if (site.clientCert) {
        const c = need(site.certs, 'clientCert');
        inner.push(
          `proxy_ssl_certificate ${c.clientCert};`,
          `proxy_ssl_certificate_key ${c.clientKey};`,
          `proxy_ssl_trusted_certificate ${c.ca};`,
          'proxy_ssl_verify on;',
        );
      }
    }
    if (tries > 1) {
      inner.push(
        'proxy_next_upstream error timeout http_503 non_idempotent;',
        `proxy_next_upstream_tries ${tries};`,
      );
    }
    return `    location ${r.prefix} {\n${inner.map((l) => `      ${l}`).join('\n')}\n    }`;
  });
  return `limit_req_zone $server_port zone=gateway:1m rate=1000000r/s;
  limit_req_status 429;
  ${upstreams.join('\n  ')}
  server {
    listen ${site.listen}${site.tls ? ' ssl' : ''};
${lines.map((l) => `    ${l}`).join('\n')}
${locations.join('\n')}
  }`;
}
