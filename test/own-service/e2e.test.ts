/**
 * Done-when of issue 11, through the built CLI: the two scenarios (a JSON API and a gRPC
 * Greeter, neither written by commbench) run with exit 0, 0 errors, and each server's own count
 * of accepted calls ≥ commbench's completed ops; the same with curl/ghz-style flags.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Result } from '../../src/result/types.js';
import { assertBuilt, cli, resultFiles, tempDir, until } from '../cli/cli.js';
import { helloProto, startGreeter, type CountedGrpc } from './grpc-servers.js';
import { startOrdersApi, type Counted } from './servers.js';

function readResult(path: string | undefined): Result {
  assert.ok(path, 'a result file was written');
  return JSON.parse(readFileSync(path, 'utf8')) as Result;
}

describe('your own service through the CLI (issue 11 done-when)', () => {
  let api: Counted;
  let greeter: CountedGrpc;
  before(async () => {
    assertBuilt();
    api = await startOrdersApi();
    greeter = await startGreeter();
  });
  after(async () => {
    await api.close();
    await greeter.close();
  });

  const check = async (args: string[], dir: string, server: { accepted: number }) => {
    const before = server.accepted;
    const { code, stderr } = await cli(args, dir).done;
    assert.equal(code, 0, stderr);
    const [file] = resultFiles(dir);
    const result = readResult(file);
    const s = result.cases[0]?.summary;
    assert.ok(s, 'measured');
    assert.equal(s.errors.total, 0, JSON.stringify(s.errorSamples));
    assert.ok(s.ops > 100, `ops ${s.ops}`);
    assert.ok(
      server.accepted - before >= s.ops,
      `server accepted ${server.accepted - before} < ops ${s.ops}`,
    );
    return { result, file };
  };

  it('rest my-api: POST /api/orders with a header and body, expect 201', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'my-api.yaml'),
      [
        'name: my-api',
        'defaults:',
        '  pattern: rest',
        `  target: ${api.url}/api/orders`,
        '  request:',
        '    method: POST',
        '    headers: { x-token: "${ENV:ORDERS_TOKEN}", content-type: application/json }',
        `    body: '{"item":"book","qty":1}'`,
        '    expect: { status: 201 }',
        '  duration: 1s',
        '  warmup: 200ms',
        '  load: { model: rate, rate: 200, connections: 4 }',
      ].join('\n'),
    );
    process.env.ORDERS_TOKEN = 'abc';
    try {
      const { file } = await check(['run', 'my-api.yaml'], dir, api);
      const text = readFileSync(file as string, 'utf8');
      assert.ok(text.includes('${ENV:ORDERS_TOKEN}'), 'the result keeps the reference');
      assert.ok(!text.includes('"abc"'), 'the secret value is not in the result');
    } finally {
      delete process.env.ORDERS_TOKEN;
    }
  });

  it('grpc Greeter: proto, call, message, metadata', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hello.proto'), readFileSync(helloProto));
    writeFileSync(
      join(dir, 'greeter.yaml'),
      [
        'name: greeter',
        'defaults:',
        '  pattern: grpc',
        `  target: ${greeter.url}`,
        '  request: { proto: ./hello.proto, call: helloworld.Greeter/SayHello, message: { name: world }, metadata: { x-token: abc } }',
        '  duration: 1s',
        '  warmup: 200ms',
        '  load: { model: rate, rate: 200, connections: 4 }',
      ].join('\n'),
    );
    await check(['run', 'greeter.yaml'], dir, greeter);
  });

  it('one-off flags: -X -H -d --expect-status (rest) and --proto --call -m -H (grpc)', async () => {
    await check(
      [
        'run',
        'smoke',
        '--pattern',
        'rest',
        '--target',
        `rest=${api.url}/api/orders?ref=cli`,
        '-X',
        'POST',
        '-H',
        'x-token: abc',
        '-d',
        '{"item":"pen","qty":{{randInt 1 9}}}',
        '--expect-status',
        '201',
        '--duration',
        '1s',
        '--warmup',
        '100ms',
      ],
      tempDir(),
      api,
    );
    await check(
      [
        'run',
        'smoke',
        '--pattern',
        'grpc',
        '--target',
        `grpc=${greeter.url}`,
        '--proto',
        helloProto,
        '--call',
        'helloworld.Greeter/SayHello',
        '-m',
        '{"name":"cli"}',
        '-H',
        'x-token: abc',
        '--duration',
        '1s',
        '--warmup',
        '100ms',
      ],
      tempDir(),
      greeter,
    );
  });

  it('a wrong path fails with exit 3 and one line naming the status and the fix', async () => {
    const dir = tempDir();
    const { code, stderr } = await cli(
      [
        'run',
        'smoke',
        '--pattern',
        'rest',
        '--target',
        `rest=${api.url}/api/nope`,
        '-H',
        'x-token: abc',
        '-d',
        '{}',
      ],
      dir,
    ).done;
    assert.equal(code, 3, stderr);
    assert.match(stderr, /HTTP 404 on POST \/api\/nope \(expected any 2xx\): wrong path\?/);
  });

  it('serve prints how to call it; its curl line, run by curl, gets the echo back', async (t) => {
    if (!existsSync('/usr/bin/curl')) {
      if (process.env.CI === 'true') throw new Error('curl is missing (apt-get install curl)');
      return t.skip('needs /usr/bin/curl (apt-get install curl)');
    }
    const serve = cli(['serve', 'rest'], tempDir());
    try {
      await until(() => /curl .*\n/.test(serve.stdout), 10_000);
      assert.match(serve.stdout, /POST \/echo with a JSON record/);
      assert.match(
        serve.stdout,
        /commbench run smoke --pattern rest --target rest=http:\/\/127\.0\.0\.1:\d+/,
      );
      const line = /^\s*(curl .*)$/m.exec(serve.stdout)?.[1] ?? '';
      const args = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').slice(1);
      const answer = execFileSync('/usr/bin/curl', ['--fail', ...args], { encoding: 'utf8' });
      assert.equal(JSON.parse(answer).name, 'commbench-mixed');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.done;
    }
  });
});
