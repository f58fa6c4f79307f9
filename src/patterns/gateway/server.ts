import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts, type MeshCerts } from '../../hops/certs.js';
import { startNginx } from '../../hops/nginx.js';
import { gatewayToken, proxySite, type ProxySite } from '../../hops/nginx-proxy.js';
import { forkHop, stopAll, type HopProcess } from '../../hops/process.js';
import { servicePath } from '../../hops/rest-service.js';
import { freePort } from '../../proc/net.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { GatewayOptions } from './index.js';

/** The URL the client reads its endpoints from: `to` once per service, in order. */
function endpointsUrl(base: string, endpoints: readonly string[]): string {
  const url = new URL(base);
  for (const e of endpoints) url.searchParams.append('to', e);
  return url.href;
}

/** Starts the services, applies the fault, then the gateway's nginx hops from the service back. */
export async function startServer(ctx: ServerContext<GatewayOptions>): Promise<RunningServer> {
  const o = ctx.options;
  const started: HopProcess[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'commbench-gateway-'));
  const cleanup = async (): Promise<void> => {
    await stopAll(started);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const services: HopProcess[] = [];
    for (let i = 1; i <= o.services; i++) {
      const service = await forkHop(`service ${i} (rest)`, {
        kind: 'service',
        via: 'rest',
        host: ctx.host,
        port: o.route === 'direct' && i === 1 ? ctx.port : 0,
        traceContext: false,
        delayMs: ctx.delayMs,
      });
      services.push(service);
    }
    started.push(...services);
    const down = o.fault === 'service-down' ? services[Math.min(1, services.length - 1)] : undefined;
    await down?.stop(0);
    const running = services.filter((s) => s !== down);
    const done = (url: string, hops: readonly HopProcess[]): RunningServer => ({
      url,
      helpers: [...hops, ...running].map(({ role, pid }) => ({ role, pid })),
      stop: cleanup,
    });
    if (o.route === 'direct') {
      const urls = services.map((s) => `${s.url}${servicePath}`);
      return done(endpointsUrl(services[0]?.url ?? '', urls), []);
    }

    const certs: MeshCerts | undefined = o.tls ? await makeCerts(dir) : undefined;
    // Misconfigured: every route points at a port nothing listens on.
    const dead = o.fault === 'misconfigured' ? `http://${ctx.host}:${await freePort(ctx.host)}` : undefined;
    const anyConcern = o.tls || o.auth || o.rateLimit || o.log;
    /** The nginx hops of one chain, gateway first; `at(i)`: whether hop i applies the concerns. */
    const chain = async (name: string, port: number, at: (hop: number) => boolean): Promise<HopProcess[]> => {
      const hops: HopProcess[] = [];
      let upstream = services[0]?.url ?? '';
      for (let i = o.hops; i >= 1; i--) {
        const concerns = anyConcern && at(i);
        const site = (listen: string, logDir: string): ProxySite => ({
          listen,
          routes:
            i === 1
              ? services.map((s, k) => ({
                  prefix: `/s/${k + 1}/`,
                  upstream: dead ?? (o.hops > 1 ? upstream : s.url),
                }))
              : [{ prefix: '/', upstream }],
          ...(concerns
            ? {
                ...(o.tls ? { tls: true } : {}),
                ...(o.auth ? { token: gatewayToken } : {}),
                ...(o.rateLimit ? { rateLimit: true } : {}),
                ...(o.log ? { accessLog: join(logDir, 'access.log') } : {}),
              }
            : {}),
          ...(certs ? { certs } : {}),
        });
        const role = `${name}${i === 1 ? 'gateway' : `hop ${i}`} (nginx)`;
        const hop = await startNginx(role, {
          host: ctx.host,
          port: i === 1 ? port : 0,
          http: (nginxDir, listen) => proxySite(site(listen, nginxDir)),
          tls: concerns && o.tls,
        });
        hops.unshift(hop);
        started.push(hop);
        upstream = hop.url;
      }
      return hops;
    };
    const routesOf = (hops: readonly HopProcess[]) =>
      services.map((_, k) => `${(hops[0] as HopProcess).url}/s/${k + 1}${servicePath}`);
    const hops = await chain('', ctx.port, (i) => i === 1 || o.concernsAt === 'every-hop');
    if (o.reference === 'none') return done(endpointsUrl(hops[0]?.url ?? '', routesOf(hops)), hops);
    // The reference chain beside it, over the same services: calls alternate between the two.
    const reference = await chain('reference ', 0, (i) => o.reference === 'once' && i === 1);
    const both = routesOf(hops).flatMap((url, k) => [url, routesOf(reference)[k] as string]);
    return done(endpointsUrl(hops[0]?.url ?? '', both), [...hops, ...reference]);
  } catch (err) {
    await cleanup();
    throw err;
  }
}
