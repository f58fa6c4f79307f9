/**
 * nginx limited to a known capacity (limit_req), the ground truth of the knee search's tests and
 * its benchmark (bench/knee-nginx.ts).
 */
import { runCase } from '../../src/engine/runner.js';
import type { CaseResult } from '../../src/result/types.js';
import { caseSpec } from './helpers.js';
import { needNginxEcho, startNginx } from './nginx.js';

/** The capacity nginx enforces: limit_req at this rate, the excess queued (burst, no nodelay). */
export const knownCapacity = 3000;

/**
 * A server nobody here wrote with a known capacity: nginx echoing the request body, limited to
 * `rate` requests per second by limit_req; up to `burst` requests over the rate wait in its queue
 * (delayed to the rate, no nodelay), beyond that it answers 503. The caller stops it.
 */
export async function startLimitedNginx(
  nginx: string,
  rate: number,
  burst: number,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = await startNginx(nginx, {
    http: `keepalive_timeout 120s;
  limit_req_zone $host zone=fixed:1m rate=${rate}r/s;
  limit_req_status 503;
  limit_req_log_level info;`,
    server: `location / {
      limit_req zone=fixed burst=${burst};
      echo_read_request_body;
      echo_request_body;
    }`,
  });
  return { url: server.url, stop: () => server.stop() };
}

/** The nginx binary and its echo module, or why the test cannot run (it fails under CI). */
export const nginxOrSkip = needNginxEcho;

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
