import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { findNginx } from '../../src/hops/nginx.js';
import { freePort, waitAccepting } from '../../src/proc/net.js';

/** Debian's libnginx-mod-http-echo: `echo_sleep` answers after a known delay. */
export const echoModule = '/usr/lib/nginx/modules/ngx_http_echo_module.so';

/** Skips the test (locally) or fails it (CI=true) when nginx is missing; returns the binary otherwise. */
export function needNginx(t: TestContext): string | undefined {
  const nginx = findNginx();
  if (nginx) return nginx;
  const missing = 'nginx is not installed: apt-get install nginx';
  if (process.env.CI === 'true') assert.fail(`${missing} (CI must have it)`);
  t.skip(missing);
  return undefined;
}

/**
 * Skips the test (locally) or fails it (CI=true) when nginx or its echo module is missing;
 * returns the nginx binary otherwise.
 */
export function needNginxEcho(t: TestContext): string | undefined {
  const nginx = findNginx();
  const missing = !nginx
    ? 'nginx is not installed: apt-get install nginx libnginx-mod-http-echo'
    : !existsSync(echoModule)
      ? `nginx's echo module is not installed (${echoModule}): apt-get install libnginx-mod-http-echo`
      : undefined;
  if (missing === undefined) return nginx;
  if (process.env.CI === 'true') assert.fail(`${missing} (CI must have it)`);
  t.skip(missing);
  return undefined;
}

/**
 * An nginx (one worker process) commbench did not write, serving `http` (the body of its `http`
 * block; `server { listen PORT; … }` is added around `server`) on a free loopback port.
 */
export async function startNginx(
  nginx: string,
  opts: { http?: string; server: string },
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'commbench-nginx-'));
  const port = await freePort();
  const conf = `
load_module ${echoModule};
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  keepalive_requests 1000000;
  ${opts.http ?? ''}
  server {
    listen 127.0.0.1:${port};
    ${opts.server}
  }
}`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child = spawn(nginx, ['-c', join(dir, 'nginx.conf'), '-p', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const state = await waitAccepting('127.0.0.1', port, {
    timeoutMs: 5000,
    abandon: () => child.exitCode !== null,
  });
  if (state !== 'accepting') {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start (${state}): ${stderr}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
