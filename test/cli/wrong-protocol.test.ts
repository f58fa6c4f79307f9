/**
 * A target that speaks another protocol is named plainly by every client: an HTTP/1 server behind
 * an h2c URL ("not an HTTP/2 (h2c) server … answered HTTP/1"), a plain-text server behind https://
 * ("does not speak TLS"), at once and not as a timeout. The servers are node:http and python's
 * http.server, written here.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertBuilt, cli, tempDir } from './cli.js';
import { accepts, freePort } from '../../src/proc/net.js';

let http1: Server;
let python: ChildProcess | undefined;
let nodePort = 0;
let pythonPort = 0;
const dir = tempDir();

before(async () => {
  assertBuilt();
  http1 = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
  nodePort = (http1.address() as { port: number }).port;
  pythonPort = await freePort();
  python = spawn('python3', ['-m', 'http.server', String(pythonPort), '--bind', '127.0.0.1'], {
    cwd: dir,
    stdio: 'ignore',
  });
  for (let i = 0; i < 100 && !(await accepts('127.0.0.1', pythonPort)); i++)
    await new Promise((r) => setTimeout(r, 50));
});
after(() => {
  http1.close();
  python?.kill();
});

function scenario(pattern: string, options = ''): string {
  const file = join(dir, `${pattern}${options.replace(/\W/g, '')}.yaml`);
  writeFileSync(
    file,
    [
      'defaults:',
      `  pattern: ${pattern}`,
      '  duration: 1s',
      '  warmup: 0ms',
      '  timeout: 10s',
      '  load: { connections: 1 }',
    ]
      .concat(options ? [`  options: ${options}`] : [])
      .join('\n') + '\n',
  );
  return file;
}

async function run(file: string, target: string) {
  const started = Date.now();
  const r = await cli(['run', file, '--target', target, '--out', join(dir, 'r.json')], dir).done;
  return { ...r, ms: Date.now() - started };
}

for (const [name, options] of [
  ['grpc grpc-js', '{ grpc: { client: grpc-js } }'],
  ['grpc node:http2', '{ grpc: { client: http2 } }'],
  ['grpc frames', '{ grpc: { client: frames } }'],
] as const) {
  test(`${name} client to an HTTP/1 server: "not an HTTP/2 (h2c) server … answered HTTP/1"`, async () => {
    for (const port of [nodePort, pythonPort]) {
      const r = await run(scenario('grpc', options), `grpc=grpc://127.0.0.1:${port}`);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /is not an HTTP\/2 \(h2c\) server: .*answered HTTP\/1/);
    }
  });
}

test('rest-h2 (h2c) to an HTTP/1 server: "not an HTTP/2 (h2c) server … answered HTTP/1"', async () => {
  const r = await run(scenario('rest-h2'), `rest-h2=http://127.0.0.1:${nodePort}`);
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    /127\.0\.0\.1:\d+ is not an HTTP\/2 \(h2c\) server: .*answered HTTP\/1 \("HTTP\/1\.1 400/,
  );
});

test('https:// and wss:// to a plain-text port: "does not speak TLS", well before the 10 s timeout', async () => {
  for (const [pattern, scheme] of [
    ['rest', 'https'],
    ['rest-h2', 'https'],
    ['websocket', 'wss'],
    ['sse', 'https'],
  ] as const) {
    const r = await run(scenario(pattern), `${pattern}=${scheme}://127.0.0.1:${pythonPort}`);
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /does not speak TLS/, `${pattern}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /ssl3_get_record|timeout|within/, pattern);
    assert.ok(r.ms < 8000, `${pattern}: ${r.ms} ms`);
  }
});
