import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { HopProcess } from './process.js';

/** Where Debian, Homebrew and source builds put nginx, searched after PATH. */
const extraDirs = ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin', '/opt/homebrew/bin'];

/** Path of the nginx binary, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const path = join(dir, 'nginx');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
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
  const buffering = proxy.buffering === false ? '\n      proxy_buffering off;' : '';
  const listen = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
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
      ${location}${buffering}
    }
  }
}
`;
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** True while `pid` runs (not a zombie). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function errorLogTail(dir: string): string {
  try {
    const lines = readFileSync(join(dir, 'error.log'), 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return '';
  }
}

/**
 * A watchdog shell starts nginx and holds a pipe from this process: when this process dies for any
 * reason (even SIGKILL) the pipe closes, and the shell kills nginx by its PID and removes the temp
 * dir. `stop()` closes the pipe itself; SIGKILL to nginx's PID after the grace time.
 */
const watchdog = `"$1" -p "$2" -c "$2/nginx.conf" -e "$2/error.log" </dev/null >/dev/null 2>&1 &
p=$!
echo $p
read _
kill -TERM $p 2>/dev/null
wait $p
rm -rf "$2"`;

const readyTimeoutMs = 10_000;

/** What a proxied protocol needs beyond plain keep-alive HTTP (push-proxy's SSE and WebSocket). */
export interface NginxProxyOptions {
  /** Pass the WebSocket upgrade through (Upgrade / Connection headers, a long read timeout). */
  readonly websocket?: boolean;
  /** false: `proxy_buffering off` (what SSE behind nginx needs); default nginx's (on). */
  readonly buffering?: boolean;
}

/** Starts nginx proxying `upstream` on host:port (0 = a free port); resolves once it accepts connections. */
export async function startNginx(
  role: string,
  options: { host: string; port: number; upstream: string; proxy?: NginxProxyOptions },
): Promise<HopProcess> {
  const binary = findNginx();
  if (!binary) throw new Error(`nginx is not installed: ${nginxMissingHint}`);
  const dir = await mkdtemp(join(tmpdir(), 'commbench-nginx-'));
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  await writeFile(
    join(dir, 'nginx.conf'),
    nginxConfig(dir, options.host, port, new URL(options.upstream), options.proxy),
  );
  const shell = spawn('/bin/sh', ['-c', watchdog, 'commbench-nginx-watchdog', binary, dir], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => shell.once('exit', () => resolve()));
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    shell.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(Number(line));
    });
    shell.once('error', reject);
    void exited.then(() => reject(new Error('the nginx watchdog shell exited')));
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 1000): Promise<void> => {
    stopping ??= (async () => {
      shell.stdin.end();
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const host = options.host;
  const until = performance.now() + readyTimeoutMs;
  for (;;) {
    if (await accepts(host, port)) break;
    if (!running(pid) || performance.now() > until) {
      const said = errorLogTail(dir);
      await stop(0);
      throw new Error(`${role}: nginx did not start on ${host}:${port}${said ? `: ${said}` : ' in time'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { role, pid, url: `http://${urlHost}:${port}`, stop, exited };
}
