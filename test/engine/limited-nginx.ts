/**
 * nginx limited to a known capacity (limit_req), the ground truth of the knee search's tests and
 * its benchmark (bench/knee-nginx.ts).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { findNginx } from '../../src/hops/nginx.js';
import { freePort, waitAccepting } from '../../src/proc/net.js';
import { runCase } from '../../src/engine/runner.js';
import type { CaseResult } from '../../src/result/types.js';
import { caseSpec } from './helpers.js';

/** nginx's echo module (Debian: libnginx-mod-http-echo), loaded by the config below. */
const echoModule = '/usr/lib/nginx/modules/ngx_http_echo_module.so';
/** The capacity nginx enforces: limit_req at this rate, the excess queued (burst, no nodelay). */
export const knownCapacity = 3000;

/**
 * A server nobody here wrote with a known capacity: nginx echoing the request body, limited to
 * `rate` requests per second by limit_req; up to `burst` requests over the rate wait in its queue
 * (delayed to the rate, no nodelay), beyond that it answers 503.
 */
export function limitedNginxConfig(dir: string, port: number, rate: number, burst: number): string {
  return `load_module ${echoModule};
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  limit_req_zone $host zone=fixed:1m rate=${rate}r/s;
  limit_req_status 503;
  limit_req_log_level info;
  server {
    listen 127.0.0.1:${port};
    location / {
      limit_req zone=fixed burst=${burst};
      echo_read_request_body;
      echo_request_body;
    }
  }
}
`;
}

/** Starts nginx limited to `rate`/s; the caller stops it. */
export async function startLimitedNginx(
  nginx: string,
  rate: number,
  burst: number,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'commbench-knee-nginx-'));
  const port = await freePort('127.0.0.1');
  await writeFile(join(dir, 'nginx.conf'), limitedNginxConfig(dir, port, rate, burst));
  const child: ChildProcess = spawn(nginx, ['-c', join(dir, 'nginx.conf'), '-p', dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = async (): Promise<void> => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  const up = await waitAccepting('127.0.0.1', port, {
    timeoutMs: 5000,
    abandon: () => child.exitCode !== null,
  });
  if (up !== 'accepting') {
    await stop();
    throw new Error(`nginx did not accept connections on 127.0.0.1:${port} (${up})`);
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}

/** The nginx binary and its echo module, or why the test cannot run (it fails under CI). */
export function nginxOrSkip(t: TestContext): string | undefined {
  const nginx = findNginx();
  const missing = !nginx
    ? 'nginx is not installed: apt-get install nginx'
    : !existsSync(echoModule)
      ? `nginx's echo module is not installed (${echoModule}): apt-get install libnginx-mod-http-echo`
      : undefined;
  if (!missing) return nginx;
  if (process.env.CI === 'true') assert.fail(`${missing} (CI must have it)`);
  t.skip(missing);
  return undefined;
}

/** One knee search (a repetition each) against nginx serving `knownCapacity`/s. */
export async function searchNginx(url: string, repeat: number): Promise<CaseResult> {
  return runCase(
    caseSpec({
      pattern: 'rest',
      target: url,
      warmupMs: 500,
      durationMs: 1000,
      repeat,
      verifyEvery: 100,
      payload: { size: 64, shape: 'mixed' },
      load: {
        model: 'knee',
        from: 1000,
        to: 16_000,
        factor: 2,
        refine: 4,
        p99Ms: 20,
        budgetMs: 25_000,
        connections: 32,
        inFlight: 1,
        maxInFlight: 10_000,
      },
    }),
  );
}
