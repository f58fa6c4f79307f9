import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeCerts } from '../../src/hops/certs.js';
import { startNginx } from '../../src/hops/nginx.js';
import { gatewayToken, proxySite } from '../../src/hops/nginx-proxy.js';
import { runPlan } from '../../src/engine/runner.js';
import { startServer as startGateway } from '../../src/patterns/gateway/server.js';
import { gatewayOptions } from '../../src/patterns/gateway/index.js';
import { startServer as startMesh } from '../../src/patterns/mesh/server.js';
import { meshOptions } from '../../src/patterns/mesh/index.js';
import { serveHttp } from '../../src/toolkit/net-util.js';
import { parseOverrides, planFromText } from '../../src/scenario/index.js';
import { needNginx } from '../engine/nginx.js';

/**
 * The gateway and mesh claims' mechanisms against real nginx (ground truth: nginx's own answers,
 * node:http/https clients, a server written here): routes, faults, TLS, the token, mTLS between
 * sidecars and retries counted by the service.
 */

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One POST with a JSON echo body; `connection` when nothing answered. */
function post(
  url: string,
  options: { headers?: Record<string, string>; cert?: Buffer; key?: Buffer } = {},
): Promise<Answer | 'connection'> {
  const body = JSON.stringify({ seq: 7, name: 'n' });
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(
      u,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        agent: false,
        rejectUnauthorized: false,
        ...(options.cert ? { cert: options.cert, key: options.key } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', () => resolve('connection'));
    req.end(body);
  });
}

const statusOf = (a: Answer | 'connection') => (a === 'connection' ? a : a.status);
const targets = (url: string) => new URL(url).searchParams.getAll('to');
const at = { host: '127.0.0.1', port: 0, delayMs: 0 };

describe('gateway and mesh against real nginx', { timeout: 120_000 }, () => {
  it('routes /s/i/ to service i; misconfigured, every route answers 502; one service down fails only its route', async (t) => {
    if (!needNginx(t)) return;
    const healthy = await startGateway({ ...at, options: gatewayOptions.parse({ services: 3 }) });
    try {
      const answers = await Promise.all(targets(healthy.url).map((u) => post(u)));
      assert.deepEqual(answers.map(statusOf), [200, 200, 200]);
      assert.equal(healthy.helpers?.filter((h) => h.role.startsWith('service ')).length, 3);
    } finally {
      await healthy.stop();
    }
    const wrong = await startGateway({
      ...at,
      options: gatewayOptions.parse({ services: 3, fault: 'misconfigured' }),
    });
    try {
      assert.deepEqual(
        (await Promise.all(targets(wrong.url).map((u) => post(u)))).map(statusOf),
        [502, 502, 502],
      );
    } finally {
      await wrong.stop();
    }
    for (const route of ['gateway', 'direct'] as const) {
      const down = await startGateway({
        ...at,
        options: gatewayOptions.parse({ services: 3, route, fault: 'service-down' }),
      });
      try {
        const got = (await Promise.all(targets(down.url).map((u) => post(u)))).map(statusOf);
        assert.deepEqual(got, [200, route === 'gateway' ? 502 : 'connection', 200], route);
      } finally {
        await down.stop();
      }
    }
  });

  it('terminates TLS, refuses a request without the token (401, at every hop when asked)', async (t) => {
    if (!needNginx(t)) return;
    for (const o of [
      { tls: true, auth: true, rateLimit: true, log: true },
      { tls: true, auth: true, rateLimit: true, log: true, hops: 3, concernsAt: 'every-hop' },
    ]) {
      const gw = await startGateway({ ...at, options: gatewayOptions.parse(o) });
      try {
        const [url] = targets(gw.url) as [string];
        assert.match(url, /^https:/);
        const token = { authorization: `Bearer ${gatewayToken}` };
        const ok = await post(url, { headers: token });
        assert.equal(statusOf(ok), 200, JSON.stringify(ok));
        assert.equal(JSON.parse((ok as Answer).body).seq, 7);
        assert.equal(statusOf(await post(url)), 401);
        assert.equal(statusOf(await post(url, { headers: { authorization: 'Bearer wrong' } })), 401);
        assert.equal(statusOf(await post(url.replace('https:', 'http:'), { headers: token })), 400);
        assert.equal(gw.helpers?.filter((h) => h.role.endsWith('(nginx)')).length, o.hops ?? 1);
      } finally {
        await gw.stop();
      }
    }
  });

  it('mTLS between sidecars: the service side answers a caller with the CA-signed certificate, refuses one without', async (t) => {
    if (!needNginx(t)) return;
    const dir = await mkdtemp(join(tmpdir(), 'commbench-mtls-test-'));
    const service = await serveHttp(at, (_req, res) =>
      res.writeHead(200, { 'content-length': '2' }).end('ok'),
    );
    const certs = await makeCerts(dir);
    const sidecar = await startNginx('service sidecar (nginx)', {
      host: '127.0.0.1',
      port: 0,
      tls: true,
      http: (_d, listen) =>
        proxySite({
          listen,
          routes: [{ prefix: '/', upstream: service.url }],
          tls: true,
          verifyClient: true,
          certs,
        }),
    });
    try {
      const cert = await readFile(certs.clientCert);
      const key = await readFile(certs.clientKey);
      assert.equal(statusOf(await post(`${sidecar.url}/echo`, { cert, key })), 200);
      assert.equal(statusOf(await post(`${sidecar.url}/echo`)), 400, 'no client certificate');
    } finally {
      await Promise.all([sidecar.stop(), service.stop()]);
      await rm(dir, { recursive: true, force: true });
    }
    const mesh = await startMesh({ ...at, options: meshOptions.parse({ mtls: true }) });
    try {
      const answer = await post(`${mesh.url}/echo`);
      assert.equal(statusOf(answer), 200, 'the caller sidecar presents the certificate');
      assert.equal(JSON.parse((answer as Answer).body).seq, 7);
    } finally {
      await mesh.stop();
    }
  });

  it('a reference chain beside the measured one: calls alternate between two gateways (or sidecar pairs) to the same service', async (t) => {
    if (!needNginx(t)) return;
    const gw = await startGateway({
      ...at,
      options: gatewayOptions.parse({
        tls: true,
        auth: true,
        hops: 2,
        concernsAt: 'every-hop',
        reference: 'once',
      }),
    });
    try {
      const [measured, reference] = targets(gw.url) as [string, string];
      assert.match(measured, /^https:/);
      assert.match(reference, /^https:/, "'once': the reference's gateway has the concerns too");
      const token = { authorization: `Bearer ${gatewayToken}` };
      assert.deepEqual(
        [
          statusOf(await post(measured, { headers: token })),
          statusOf(await post(reference, { headers: token })),
        ],
        [200, 200],
      );
      assert.deepEqual(
        gw.helpers?.map((h) => h.role).filter((r) => r.endsWith('(nginx)')),
        ['gateway (nginx)', 'hop 2 (nginx)', 'reference gateway (nginx)', 'reference hop 2 (nginx)'],
      );
    } finally {
      await gw.stop();
    }
    const mesh = await startMesh({ ...at, options: meshOptions.parse({ mtls: true, reference: true }) });
    try {
      const both = targets(mesh.url);
      assert.equal(both.length, 2);
      assert.deepEqual((await Promise.all(both.map((u) => post(u)))).map(statusOf), [200, 200]);
      assert.equal(mesh.helpers?.filter((h) => h.role.startsWith('reference ')).length, 2);
      assert.deepEqual(mesh.counters?.(), { received: 2 }, 'both reach the one service');
    } finally {
      await mesh.stop();
    }
  });

  it("retries in the caller's sidecar multiply what a failing service receives; the service counts it", async (t) => {
    if (!needNginx(t)) return;
    for (const retries of [0, 2]) {
      const mesh = await startMesh({ ...at, options: meshOptions.parse({ retries, serviceFails: true }) });
      try {
        for (let i = 0; i < 5; i++) assert.equal(statusOf(await post(`${mesh.url}/echo`)), 503);
        assert.deepEqual(mesh.counters?.(), { received: 5 * (retries + 1) }, `${retries} retries`);
      } finally {
        await mesh.stop();
      }
    }
  });

  it('a run through a misconfigured gateway is measured, not failed (every call failed on purpose), and the service counts reach the result', async (t) => {
    if (!needNginx(t)) return;
    const text = JSON.stringify({
      name: 'gw-test',
      defaults: { load: { model: 'rate', rate: 100, connections: 1, inFlight: 8 }, timeout: '2s' },
      cases: [
        { pattern: 'gateway', options: { gateway: { services: 2, fault: 'misconfigured' } } },
        { pattern: 'mesh', options: { mesh: { retries: 1, serviceFails: true } } },
      ],
    });
    const plan = await planFromText(
      text,
      { file: 'test' },
      parseOverrides({ duration: '600ms', warmup: '100ms' }),
    );
    const result = await runPlan(plan);
    for (const c of result.cases) {
      // Every call failed, on purpose: the case is measured, not failed (pattern.injectsFault).
      assert.equal(c.status, 'ok', `${c.spec.id}: ${c.error?.message}`);
      assert.equal(c.summary?.ops, 0);
      assert.ok((c.summary?.errors.total ?? 0) >= 40, `${c.spec.id}: ${c.summary?.errors.total} errors`);
    }
    const mesh = result.cases[1]?.summary;
    const calls = (mesh?.ops ?? 0) + (mesh?.errors.total ?? 0);
    const received = mesh?.server?.counters?.received ?? 0;
    assert.ok(Math.abs(received / calls - 2) < 0.15, `received ${received} for ${calls} calls`);
  });
});
