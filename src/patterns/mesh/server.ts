import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts } from '../../hops/certs.js';
import { startNginx } from '../../hops/nginx.js';
import { proxySite } from '../../hops/nginx-proxy.js';
import { stopAll, type HopProcess } from '../../hops/process.js';
import { ServiceDelay } from '../../toolkit/delay.js';
import { answerEmpty, echoJson, serveHttp } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { MeshOptions } from './index.js';

/** The service here (counting what it receives), then its sidecar, then the caller's sidecar on ctx.port. */
export async function startServer(ctx: ServerContext<MeshOptions>): Promise<RunningServer> {
  const { mtls, retries, serviceFails } = ctx.options;
  const delay = new ServiceDelay(ctx.delayMs);
  let received = 0;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    received++;
    if (req.method !== 'POST' || req.url !== '/echo') return answerEmpty(req, res, 404);
    if (serviceFails) return answerEmpty(req, res, 503);
    echoJson(req, res, delay);
  };
  const service = await serveHttp({ host: ctx.host, port: 0 }, handle, () => delay.cancelAll());
  const dir = await mkdtemp(join(tmpdir(), 'commbench-mesh-'));
  const sidecars: HopProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all([stopAll(sidecars), service.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const certs = mtls ? await makeCerts(dir) : undefined;
    /** The service's sidecar, then the caller's in front of it (on `port`); `secure`: mTLS between them. */
    const pair = async (name: string, port: number, secure: boolean): Promise<HopProcess> => {
      const serviceSide = await startNginx(`${name}service sidecar (nginx)`, {
        host: ctx.host,
        port: 0,
        http: (_dir, listen) =>
          proxySite({
            listen,
            routes: [{ prefix: '/', upstream: service.url }],
            ...(secure && certs ? { tls: true, verifyClient: true, certs } : {}),
          }),
        tls: secure,
      });
      sidecars.push(serviceSide);
      const callerSide = await startNginx(`${name}caller sidecar (nginx)`, {
        host: ctx.host,
        port,
        http: (_dir, listen) =>
          proxySite({
            listen,
            routes: [{ prefix: '/', upstream: serviceSide.url }],
            tries: retries + 1,
            ...(secure && certs ? { clientCert: true, certs } : {}),
          }),
      });
      sidecars.push(callerSide);
      return callerSide;
    };
    const caller = await pair('', ctx.port, mtls);
    const url = new URL(caller.url);
    url.searchParams.append('to', `${caller.url}/echo`);
    if (ctx.options.reference)
      url.searchParams.append('to', `${(await pair('reference ', 0, false)).url}/echo`);
    return {
      url: ctx.options.reference ? url.href : caller.url,
      helpers: sidecars.map(({ role, pid }) => ({ role, pid })),
      counters: () => ({ received }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
