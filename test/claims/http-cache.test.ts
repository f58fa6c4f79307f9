import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { findNginx } from '../../src/hops/nginx.js';
import { makeRecord } from '../../src/message.js';
import { productQuery } from '../../src/patterns/http-cache/client.js';
import httpCache, { productOf } from '../../src/patterns/http-cache/index.js';
import type { RunningServer } from '../../src/toolkit/contract.js';

/**
 * The graphql-caching claim's cache is nginx's own: through the http-cache pattern's proxy, nginx
 * says (X-Cache-Status) it answered the REST GET from its cache and never the GraphQL POST, though
 * the origin allows caching both. Checked with node:http calls; the pattern's client reads the
 * product both ways.
 */

function needNginx(t: TestContext): boolean {
  if (findNginx()) return true;
  if (process.env.CI === 'true') assert.fail('nginx not installed (apt-get install nginx)');
  t.skip('nginx not installed: apt-get install nginx');
  return false;
}

interface Answer {
  status: number;
  cache: string | undefined;
  cacheControl: string | undefined;
  body: string;
}

function call(url: string, api: 'rest' | 'graphql'): Promise<Answer> {
  const body = api === 'rest' ? undefined : JSON.stringify({ query: productQuery, variables: { id: 1 } });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${api === 'rest' ? '/products/1' : '/graphql'}`,
      {
        method: api === 'rest' ? 'GET' : 'POST',
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            cache: res.headers['x-cache-status'] as string | undefined,
            cacheControl: res.headers['cache-control'],
            body: text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function start(options: Record<string, unknown>): Promise<RunningServer> {
  return httpCache.startServer({
    host: '127.0.0.1',
    port: 0,
    delayMs: 0,
    options: httpCache.options.parse(options),
  });
}

describe('http-cache: nginx caches the REST GET, not the GraphQL POST', { timeout: 30_000 }, () => {
  it('with the cache: GET is a MISS, then HITs; POST is never served from the cache', async (t) => {
    if (!needNginx(t)) return;
    const server = await start({ cache: true });
    try {
      const gets = [];
      for (let i = 0; i < 4; i++) gets.push(await call(server.url, 'rest'));
      assert.deepEqual(
        gets.map((a) => a.cache),
        ['MISS', 'HIT', 'HIT', 'HIT'],
      );
      for (const a of gets) {
        assert.equal(a.status, 200);
        assert.deepEqual(JSON.parse(a.body), productOf(1, 1024));
      }
      const posts = [];
      for (let i = 0; i < 4; i++) posts.push(await call(server.url, 'graphql'));
      for (const a of posts) {
        assert.equal(a.status, 200);
        assert.notEqual(a.cache, 'HIT', 'a POST answered from the cache');
        assert.equal(a.cacheControl, 'public, max-age=60', 'the origin allows caching the query');
        assert.deepEqual((JSON.parse(a.body) as { data: unknown }).data, { product: productOf(1, 1024) });
      }
    } finally {
      await server.stop();
    }
  });

  it('without the cache nothing is cached', async (t) => {
    if (!needNginx(t)) return;
    const server = await start({ cache: false });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await call(server.url, 'rest')).cache, undefined);
    } finally {
      await server.stop();
    }
  });

  it("the pattern's client reads the product both ways, and fails an answer that is not it", async (t) => {
    if (!needNginx(t)) return;
    for (const api of ['rest', 'graphql'] as const) {
      const server = await start({ api, bytes: 64 });
      const meter = { add: () => undefined };
      const ctx = { url: new URL(server.url), index: 0, inFlight: 1, timeoutMs: 2000, payload: meter };
      try {
        const client = await httpCache.connect({
          ...ctx,
          options: httpCache.options.parse({ api, bytes: 64 }),
        });
        await client.send(makeRecord(64), true);
        await client.close();
        // The same server read as if the product had 65 bytes: every answer is a mismatch.
        const wrong = await httpCache.connect({
          ...ctx,
          options: httpCache.options.parse({ api, bytes: 65 }),
        });
        await assert.rejects(wrong.send(makeRecord(64), true), { kind: 'mismatch' });
        await wrong.close();
      } finally {
        await server.stop();
      }
    }
  });
});
