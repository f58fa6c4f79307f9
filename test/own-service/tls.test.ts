import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCase } from '../../src/engine/runner.js';
import type { RequestSpec } from '../../src/plan/request.js';
import { caseSpec } from '../engine/helpers.js';
import { helloProto, startGreeter, type CountedGrpc } from './grpc-servers.js';
import { startOrdersApi, type Counted } from './servers.js';

const openssl = '/usr/bin/openssl';
const short = {
  durationMs: 400,
  warmupMs: 0,
  load: { model: 'closed', connections: 2, inFlight: 1 },
} as const;

/** A CA and a server certificate for IP 127.0.0.1 signed by it, made by openssl (not by commbench). */
function makeCerts(): { ca: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'commbench-tls-'));
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test CA');
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

const haveOpenssl = existsSync(openssl);
const skip = haveOpenssl ? false : 'needs /usr/bin/openssl (apt-get install openssl)';
if (!haveOpenssl && process.env.CI === 'true')
  throw new Error('openssl is missing (apt-get install openssl)');

describe('TLS to your own service (a CA made by openssl)', { skip }, () => {
  let files: { ca: string; cert: string; key: string };
  let api: Counted;
  let h2: Counted;
  let greeter: CountedGrpc;
  before(async () => {
    files = makeCerts();
    const tls = { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
    api = await startOrdersApi({ tls });
    h2 = await startOrdersApi({ tls, h2: true });
    greeter = await startGreeter({ tls });
  });
  after(async () => {
    await api?.close();
    await h2?.close();
    await greeter?.close();
  });
  const apiOf = (): Counted => api;
  const order: RequestSpec = {
    headers: { 'x-token': 'abc' },
    body: { item: 'book', qty: 1 },
    expect: { status: 201 },
  };
  const hello: RequestSpec = {
    proto: helloProto,
    call: 'helloworld.Greeter/SayHello',
    message: { name: 'tls' },
    metadata: { 'x-token': 'abc' },
  };

  for (const pattern of ['rest', 'rest-h2'] as const)
    it(`https (${pattern}): with request.tls.ca 0 errors; insecure too; without either a TLS error with the fix`, async () => {
      const api = pattern === 'rest' ? apiOf() : h2;
      for (const tls of [{ ca: files.ca }, { insecure: true }]) {
        const before = api.accepted;
        const result = await runCase(
          caseSpec({ pattern, ...short, target: `${api.url}/api/orders`, request: { ...order, tls } }),
        );
        assert.equal(result.status, 'ok', result.error?.message);
        assert.equal(result.summary?.errors.total, 0);
        assert.ok(api.accepted - before >= (result.summary?.ops ?? Infinity));
      }
      const result = await runCase(
        caseSpec({ pattern, ...short, target: `${api.url}/api/orders`, request: order }),
      );
      assert.equal(result.status, 'failed');
      assert.match(result.error?.message ?? '', /TLS error .*request\.tls\.ca.*request\.tls\.insecure/);
    });

  it('grpcs: with request.tls.ca 0 errors; without it a connection error that names the fix', async () => {
    const before = greeter.accepted;
    const ok = await runCase(
      caseSpec({
        pattern: 'grpc',
        ...short,
        target: greeter.url,
        request: { ...hello, tls: { ca: files.ca } },
      }),
    );
    assert.equal(ok.status, 'ok', ok.error?.message);
    assert.equal(ok.summary?.errors.total, 0);
    assert.ok(greeter.accepted - before >= (ok.summary?.ops ?? Infinity));
    const bad = await runCase(caseSpec({ pattern: 'grpc', ...short, target: greeter.url, request: hello }));
    assert.equal(bad.status, 'failed');
    assert.match(bad.error?.message ?? '', /request\.tls\.ca/);
  });
});
