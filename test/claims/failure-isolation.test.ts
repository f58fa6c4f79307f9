import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import failureIsolation, {
  type FailureIsolationOptions,
} from '../../src/patterns/failure-isolation/index.js';
import type { RunningServer } from '../../src/toolkit/contract.js';

/**
 * The failure-isolation pattern's fault is real: the image component's leak ends its process at
 * the heap limit (node's own OOM), the supervisor restarts it, and the checkout endpoint fails with
 * it only when both share a process. Checked with node:http calls, one every 20 ms, not with the
 * pattern's client.
 */

/** POSTs a small JSON record to `url` + path: 'ok' on a 200 echo, else what went wrong. */
function call(url: string, path: string): Promise<string> {
  const body = JSON.stringify({ seq: 1, name: 'x' });
  return new Promise((resolve) => {
    const req = request(`${url}${path}`, { method: 'POST', agent: false, timeout: 1000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve(res.statusCode === 200 && text === body ? 'ok' : `status ${res.statusCode}`),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the pattern's server with the leak 200 ms after the first call; `called` is its URL's component. */
async function start(options: Partial<FailureIsolationOptions>): Promise<RunningServer> {
  return failureIsolation.startServer({
    host: '127.0.0.1',
    port: 0,
    delayMs: 0,
    options: failureIsolation.options.parse({ ...options, leak: { at: 200, restartAfter: 300 } }),
  });
}

/** Calls `path` every 20 ms for `ms`: the outcomes in order. */
async function callFor(url: string, path: string, ms: number): Promise<string[]> {
  const outcomes: string[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    outcomes.push(await call(url, path));
    await sleep(20);
  }
  return outcomes;
}

/** ok…, then failures, then ok again: the process died and came back. */
function diedAndCameBack(outcomes: readonly string[]): boolean {
  const firstBad = outcomes.findIndex((o) => o !== 'ok');
  if (firstBad <= 0) return false;
  const again = outcomes.findIndex((o, i) => i > firstBad && o === 'ok');
  return again > firstBad && outcomes.slice(again).every((o) => o === 'ok');
}

describe('failure-isolation: a leak that ends its process', { timeout: 30_000 }, () => {
  it('monolith: the checkout endpoint fails while the leaky image code takes the process down, then recovers', async () => {
    const server = await start({ layout: 'monolith', call: 'checkout' });
    try {
      const outcomes = await callFor(server.url, '/checkout', 3000);
      assert.ok(diedAndCameBack(outcomes), outcomes.join(' '));
      assert.ok(
        outcomes.some((o) => o === 'ECONNREFUSED'),
        `refused while down: ${outcomes.join(' ')}`,
      );
    } finally {
      await server.stop();
    }
  });

  it('services: the checkout process answers every call while the image process dies and comes back', async () => {
    const checkout = await start({ layout: 'services', call: 'checkout' });
    try {
      // Nothing calls image here: the leak's clock starts at the first call any process received.
      const checkoutOutcomes = await callFor(checkout.url, '/checkout', 3000);
      assert.deepEqual(new Set(checkoutOutcomes), new Set(['ok']), checkoutOutcomes.join(' '));
    } finally {
      await checkout.stop();
    }
    const image = await start({ layout: 'services', call: 'image' });
    try {
      const outcomes = await callFor(image.url, '/image', 3000);
      assert.ok(diedAndCameBack(outcomes), outcomes.join(' '));
    } finally {
      await image.stop();
    }
  });

  it('without a leak nothing dies', async () => {
    const server = await failureIsolation.startServer({
      host: '127.0.0.1',
      port: 0,
      delayMs: 0,
      options: failureIsolation.options.parse({ layout: 'monolith' }),
    });
    try {
      const outcomes = await callFor(server.url, '/image', 1000);
      assert.deepEqual(new Set(outcomes), new Set(['ok']), outcomes.join(' '));
    } finally {
      await server.stop();
    }
  });
});
