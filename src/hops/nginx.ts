import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../proc/binary.js';
import { assertBindable, freePort, waitAccepting } from '../proc/net.js';
import { spawnGroup, startWatchdog } from '../proc/spawn.js';
import { lastLines } from '../proc/usage.js';
import type { HopProcess } from './process.js';

/** Path of the nginx binary, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  return findBinary('nginx');
}

export const nginxMissingHint =
  'install nginx (Debian/Ubuntu: apt-get install nginx; macOS: brew install nginx), or use `proxy: node` for the Node reverse proxy';

/**
 * nginx as a reverse proxy on `host:port` in front of `upstream`: one process
 * (`master_process off`, so the process that does the work is the one whose CPU is read), keep-alive
 * on both sides, no access log, every path (pid, error log, temp dirs) in its own temp dir.
 */
export function nginxConfig(
  dir: string,
  host: string,
  port: number,
  upstream: URL,
  proxy: NginxProxyOptions = {},
): string {
  const location = proxy.websocket
    ? `proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 3600s;`
    : 'proxy_set_header Connection "";';
  // Buffering on means on: an upstream's `X-Accel-Buffering: no` (the sse server sends it) would
  // otherwise switch it off for that response.
  const buffering =
    proxy.buffering === false
      ? '\n      proxy_buffering off;'
      : proxy.buffering === true
        ? '\n      proxy_ignore_headers X-Accel-Buffering;'
        : '';
  // An HTTP cache (http-cache pattern): nginx's own rules decide (GET and HEAD only, Cache-Control).
  const cachePath = proxy.cache
    ? `\n  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=commbench:1m max_size=64m use_temp_path=off;`
    : '';
  const cache = proxy.cache
    ? '\n      proxy_cache commbench;\n      proxy_cache_lock on;\n      add_header X-Cache-Status $upstream_cache_status always;'
    : '';
  const listen = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return nginxFile(
    dir,
    `${cachePath}
  upstream backend {
    server ${upstream.host};
    keepalive 1024;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
  }
  server {
    listen ${listen};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      ${location}${buffering}${cache}
    }
  }`,
  );
}

/**
 * A whole nginx config around `http`, the lines of its `http` block that route (upstreams and
 * servers): one process (`master_process off`, so the process that does the work is the one whose
 * CPU is read), no daemon, keep-alive to clients, no access log unless a server asks for one, every
 * path (pid, error log, temp dirs) in `dir`.
 */
export function nginxFile(dir: string, http: string): string {
  return `# written by commbench; removed when the run ends
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  client_max_body_size 64m;
  ${http}
}
`;
}

function errorLogTail(dir: string): string {
  try {
    const lines = readFileSync(join(dir, 'error.log'), 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return '';
  }
}

const readyTimeoutMs = 10_000;

/** What a proxied protocol needs beyond plain keep-alive HTTP (push-proxy's SSE and WebSocket). */
export interface NginxProxyOptions {
  /** Pass the WebSocket upgrade through (Upgrade / Connection headers, a long read timeout). */
  readonly websocket?: boolean;
  /**
   * false: `proxy_buffering off` (what SSE behind nginx needs); true: nginx's buffering, on even for
   * a response that asks for none (`X-Accel-Buffering: no` ignored); unset: nginx's default.
   */
  readonly buffering?: boolean;
  /**
   * A proxy cache (`proxy_cache`, one lock per key), with nginx's defaults: GET and HEAD only, for
   * as long as the origin's Cache-Control allows; every response says `X-Cache-Status`.
   */
  readonly cache?: boolean;
}

/** Starts nginx proxying `upstream` on host:port (0 = a free port); resolves once it accepts connections. */
export async function startNginx(
  role: string,
  options: { host: string; port: number } & (
    | { upstream: string; proxy?: NginxProxyOptions }
    | {
        /** The `http` block's routing lines, given its temp dir and the `listen` address (host:port). */
        http: (dir: string, listen: string) => string;
        /** The server listens with TLS (its `http` says `listen … ssl`): its URL is https://. */
        tls?: boolean;
      }
  ),
): Promise<HopProcess> {
  const binary = findNginx();
  if (!binary) throw new Error(`nginx is not installed: ${nginxMissingHint}`);
  // A chosen port someone else holds would pass the accepting check below while nginx fails to bind.
  if (options.port !== 0) await assertBindable(options.host, options.port);
  const dir = await mkdtemp(join(tmpdir(), 'commbench-nginx-'));
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  const listen = options.host.includes(':') ? `[${options.host}]:${port}` : `${options.host}:${port}`;
  await writeFile(
    join(dir, 'nginx.conf'),
    'http' in options
      ? nginxFile(dir, options.http(dir, listen))
      : nginxConfig(dir, options.host, port, new URL(options.upstream), options.proxy),
  );
  // Its own process group, and a watchdog that kills it and removes the temp dir if this process dies.
  const nginx = spawnGroup(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: 'output',
  });
  const watchdog = startWatchdog(dir, [nginx.pid]);
  const pid = nginx.pid;
  const exited = nginx.exited.then(() => undefined);

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 1000): Promise<void> => {
    stopping ??= (async () => {
      nginx.kill('SIGTERM');
      await nginx.wait(graceMs);
      await watchdog.finish();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const host = options.host;
  const state = await waitAccepting(host, port, {
    timeoutMs: readyTimeoutMs,
    intervalMs: 20,
    abandon: () => nginx.hasExited,
  });
  if (state !== 'accepting') {
    const said = errorLogTail(dir) || lastLines(nginx.output(), 1).replace('(no output)', '');
    await stop(0);
    throw new Error(`${role}: nginx did not start on ${host}:${port}${said ? `: ${said}` : ' in time'}`);
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const scheme = 'tls' in options && options.tls ? 'https' : 'http';
  return { role, pid, url: `${scheme}://${urlHost}:${port}`, stop, exited };
}
