import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { serveHttp } from '../toolkit/net-util.js';
import type { RunningServer } from '../toolkit/contract.js';
import type { HopConfig } from './process.js';

/** Headers that belong to one connection (RFC 9110 §7.6.1), never forwarded; `host` is the upstream's. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && !hopByHop.has(key)) out[key] = value;
  }
  return out;
}

/**
 * The Node reverse proxy (the fallback where nginx is not installed, and named `node` in results):
 * node:http in front, an undici keep-alive Pool to the upstream behind, request and response
 * bodies buffered as nginx does by default (proxy_request_buffering, proxy_buffering), hop-by-hop
 * headers dropped. An upstream failure is a 502.
 */
export async function startNodeProxy(
  config: Extract<HopConfig, { kind: 'node-proxy' }>,
): Promise<RunningServer> {
  const upstream = new Pool(config.upstream, { keepAliveTimeout: 60_000, pipelining: 1 });
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length === 0 ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      upstream
        .request({
          path: req.url ?? '/',
          method: req.method as 'POST',
          headers: forwardable(req.headers),
          body,
        })
        .then(async (down) => {
          const reply = Buffer.from(await down.body.arrayBuffer());
          const headers = forwardable(down.headers);
          headers['content-length'] = String(reply.length);
          res.writeHead(down.statusCode, headers).end(reply);
        })
        .catch(() => {
          if (!res.headersSent) res.writeHead(502, { 'content-length': '0' }).end();
        });
    });
  };
  return serveHttp(config, handle, () => void upstream.destroy());
}
