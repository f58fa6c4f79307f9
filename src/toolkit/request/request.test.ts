import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommbenchError } from '../../errors.js';
import { redactSecrets, requestSecrets, resolveEnv } from './env.js';
import { expectChecker, requestHeaders } from './http.js';
import { RequestBlock } from '../../plan/request.js';
import { compileTemplate, roundRobin } from './template.js';

describe('request templates', () => {
  it('fills {{seq}}, {{uuid}} and {{randInt a b}} per request; constant text is kept as is', () => {
    const t = compileTemplate('{"n":{{seq}},"id":"{{ uuid }}","r":{{randInt 3 5}}}');
    assert.equal(t.constant, undefined);
    const seen = new Set<number>();
    const ids = new Set<string>();
    for (let seq = 0; seq < 200; seq++) {
      const v = JSON.parse(t.render(seq)) as { n: number; id: string; r: number };
      assert.equal(v.n, seq);
      assert.match(v.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(v.id);
      seen.add(v.r);
    }
    assert.equal(ids.size, 200);
    assert.deepEqual([...seen].sort(), [3, 4, 5]);
    assert.equal(compileTemplate('{"a":1}').constant, '{"a":1}');
  });

  it('an unknown placeholder is a usage error that lists the known ones', () => {
    assert.throws(
      () => compileTemplate('{{nope}}'),
      (e: unknown) => e instanceof CommbenchError && e.code === 'E_USAGE' && /randInt/.test(e.hint ?? ''),
    );
  });

  it('round-robin over several bodies by seq', () => {
    const next = roundRobin(['a{{seq}}', 'b', 'c'].map(compileTemplate));
    assert.deepEqual([0, 1, 2, 3, 4].map(next), ['a0', 'b', 'c', 'a3', 'b']);
  });
});

describe('request secrets', () => {
  const env = { API_TOKEN: 's3cr3t-token', PASS: 'hunter22' };
  it('${ENV:NAME} is read from the environment; an unset one names the variable', () => {
    assert.equal(resolveEnv('Bearer ${ENV:API_TOKEN}', env), 'Bearer s3cr3t-token');
    assert.throws(() => resolveEnv('${ENV:MISSING_X}', env), /MISSING_X is not set/);
  });

  it('auth becomes an authorization header', () => {
    process.env.COMMBENCH_TEST_TOKEN = 'tok123';
    try {
      assert.equal(
        requestHeaders({ auth: { bearer: '${ENV:COMMBENCH_TEST_TOKEN}' } }).authorization,
        'Bearer tok123',
      );
      assert.equal(
        requestHeaders({ auth: { basic: { username: 'u', password: 'p' } }, headers: { 'X-A': 1 } })
          .authorization,
        `Basic ${Buffer.from('u:p').toString('base64')}`,
      );
    } finally {
      delete process.env.COMMBENCH_TEST_TOKEN;
    }
  });

  it('env values, literal credentials and secret-looking headers are redacted from result text', () => {
    const request = RequestBlock.parse({
      headers: { authorization: 'Bearer ${ENV:API_TOKEN}', 'x-api-key': 'literal-key', accept: 'text/plain' },
      auth: { basic: { username: 'bob', password: '${ENV:PASS}' } },
    });
    const secrets = requestSecrets(request, env);
    const text = JSON.stringify({
      a: 's3cr3t-token',
      b: 'literal-key',
      c: 'hunter22',
      d: Buffer.from('bob:hunter22').toString('base64'),
      e: 'text/plain',
    });
    assert.equal(redactSecrets(text, secrets), '{"a":"***","b":"***","c":"***","d":"***","e":"text/plain"}');
  });
});

describe('expect', () => {
  it('default: any 2xx; a list of statuses; bodyContains', () => {
    const any = expectChecker(undefined, 'GET /x');
    assert.equal(any(204, Buffer.alloc(0)), undefined);
    assert.equal(any(302, Buffer.alloc(0))?.kind, 'protocol');
    const list = expectChecker({ status: [200, 404], bodyContains: 'ok' }, 'GET /x');
    assert.equal(list(404, Buffer.from('is ok')), undefined);
    assert.equal(list(200, Buffer.from('nope'))?.kind, 'mismatch');
    assert.match(list(201, Buffer.from('ok'))?.message ?? '', /HTTP 201 on GET \/x \(expected 200 or 404\)/);
  });
  it('schema: body and bodyFile exclude each other; proto needs call', () => {
    const r = RequestBlock.safeParse({ body: 'a', bodyFile: 'b', proto: 'x.proto' });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues.map((i) => i.path.join('.')).sort(), ['bodyFile', 'proto']);
  });
});

describe('request checked per pattern before a run', () => {
  it('keys a pattern does not read, what it needs, missing files, patterns without requests', async () => {
    const { requestProblems } = await import('./check.js');
    assert.deepEqual(requestProblems('rest', { method: 'GET', headers: { a: 'b' } }), []);
    const grpc = requestProblems('grpc', { method: 'GET', proto: '/nonexistent/x.proto' });
    assert.equal(grpc.length, 3, grpc.join('\n'));
    assert.match(grpc[0] ?? '', /request\.method does not apply to grpc/);
    assert.match(grpc[1] ?? '', /request\.call is required/);
    assert.match(grpc[2] ?? '', /request\.proto: no such file \/nonexistent\/x\.proto/);
    assert.match(requestProblems('graphql', {}).join(), /request\.query is required/);
    assert.match(requestProblems('tcp', { body: 'x' }).join(), /tcp does not take a request block/);
  });
});
