import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCase } from '../../src/engine/runner.js';
import type { RequestSpec } from '../../src/plan/request.js';
import { caseSpec } from '../engine/helpers.js';
import { startOrdersApi, type Counted } from './servers.js';

const good: RequestSpec = {
  method: 'POST',
  headers: { 'x-token': 'abc', 'content-type': 'application/json' },
  body: '{"item":"book","qty":{{randInt 1 5}},"n":{{seq}},"u":"{{uuid}}"}',
  expect: { status: 201, bodyContains: '"item":"book"' },
};

const short = {
  durationMs: 600,
  warmupMs: 0,
  load: { model: 'closed', connections: 2, inFlight: 1 },
} as const;

for (const pattern of ['rest', 'rest-h2'] as const)
  describe(`${pattern} against a service of its own (orders API)`, () => {
    let api: Counted;
    before(async () => {
      api = await startOrdersApi({ h2: pattern === 'rest-h2' });
    });
    after(() => api.close());

    it('the right request (2 worker threads): 0 errors, the server accepted at least every op commbench counted', async () => {
      const result = await runCase(
        caseSpec({ pattern, ...short, workers: 2, target: `${api.url}/api/orders?ref=bench`, request: good }),
      );
      assert.equal(result.status, 'ok', result.error?.message);
      const s = result.summary;
      assert.ok(s);
      assert.equal(s.errors.total, 0, JSON.stringify(s.errorSamples));
      assert.ok(s.ops > 50, `ops ${s.ops}`);
      assert.ok(api.accepted >= s.ops, `server accepted ${api.accepted} < commbench ops ${s.ops}`);
      assert.deepEqual(api.refused, {});
    });

    const wrong: [string, string, RequestSpec, RegExp][] = [
      ['a wrong path', '/api/order', good, /HTTP 404 on POST \/api\/order .*wrong path/],
      ['a wrong method', '/api/orders', { ...good, method: 'PUT' }, /HTTP 405 on PUT .*request\.method/],
      [
        'a missing header',
        '/api/orders',
        { ...good, headers: { 'content-type': 'application/json' } },
        /HTTP 401 .*request\.auth/,
      ],
      ['a wrong body', '/api/orders', { ...good, body: '{"item":"book"}' }, /HTTP 400 .*request\.body/],
      [
        'an unexpected answer',
        '/api/orders',
        { ...good, expect: { status: [200, 201], bodyContains: '"item":"pen"' } },
        /does not contain "\\"item\\":\\"pen\\""/,
      ],
    ];
    for (const [what, path, request, message] of wrong) {
      it(`${what}: the case fails on its first request with a one-line hint`, async () => {
        const result = await runCase(caseSpec({ pattern, ...short, target: `${api.url}${path}`, request }));
        assert.equal(result.status, 'failed');
        assert.equal(result.error?.code, 'E_RUN_FAILED');
        assert.match(result.error?.message ?? '', message);
        assert.doesNotMatch(result.error?.message ?? '', /\n/);
      });
    }

    it('bodies from a JSON-lines file are sent round-robin; the bad one is counted as protocol errors', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'commbench-own-'));
      const bodies = join(dir, 'bodies.jsonl');
      // seq 0xffffffff (the probe) takes line 3 (0xffffffff % 4): a good one.
      writeFileSync(
        bodies,
        ['{"item":"a","qty":1}', '{"item":"b","qty":2}', '{"item":"c"}', '{"item":"d","qty":4}', ''].join(
          '\n',
        ),
      );
      const before = { accepted: api.accepted, body: api.refused.body ?? 0 };
      const result = await runCase(
        caseSpec({
          pattern,
          ...short,
          target: `${api.url}/api/orders`,
          request: { headers: { 'x-token': 'abc' }, bodies, expect: { status: 201 } },
        }),
      );
      assert.equal(result.status, 'ok', result.error?.message);
      const s = result.summary;
      assert.ok(s);
      const refused = (api.refused.body ?? 0) - before.body;
      assert.ok(s.errors.protocol > 10, `protocol errors ${s.errors.protocol}`);
      assert.ok(
        refused >= s.errors.protocol,
        `server refused ${refused} < commbench errors ${s.errors.protocol}`,
      );
      assert.match(s.errorSamples.protocol ?? '', /HTTP 400/);
      // about a quarter of the requests carry the bad line
      const share = s.errors.protocol / (s.ops + s.errors.protocol);
      assert.ok(share > 0.2 && share < 0.3, `bad share ${share}`);
      assert.ok(api.accepted - before.accepted >= s.ops);
    });
  });

describe("the target URL's path is honoured without a request block too", () => {
  it('rest and rest-h2: an echo server at /echo is not reached through /definitely/not/echo', async () => {
    for (const pattern of ['rest', 'rest-h2'] as const) {
      const { loadPattern } = await import('../../src/patterns/registry.js');
      const p = await loadPattern(pattern);
      const server = await p.startServer({
        host: '127.0.0.1',
        port: 0,
        options: p.options.parse({}),
        delayMs: 0,
      });
      try {
        const wrong = await runCase(
          caseSpec({ pattern, ...short, target: `${server.url}/definitely/not/echo` }),
        );
        assert.equal(wrong.status, 'failed', `${pattern}: a wrong path must not "work"`);
        assert.match(wrong.error?.message ?? '', /HTTP 404 on POST \/definitely\/not\/echo .*wrong path\?/);
        const right = await runCase(caseSpec({ pattern, ...short, target: `${server.url}/echo` }));
        assert.equal(right.status, 'ok', right.error?.message);
        assert.equal(right.summary?.errors.total, 0);
      } finally {
        await server.stop();
      }
    }
  });
});
