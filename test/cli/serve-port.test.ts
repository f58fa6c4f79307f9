/** `serve PATTERN --port <taken>` says so in one line (no "listening", no stack); brokers refuse --port. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { findNginx } from '../../src/hops/nginx.js';
import { assertBuilt, cli, tempDir } from './cli.js';

let holder: Server;
let port = 0;
before(async () => {
  assertBuilt();
  holder = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  port = (holder.address() as { port: number }).port;
});
after(() => holder.close());

async function serve(pattern: string, p: number) {
  const run = cli(['serve', pattern, '--port', String(p)], tempDir());
  // A server that did come up would run until stopped: give it 20 s, then stop it.
  const timer = setTimeout(() => run.child.kill('SIGTERM'), 20_000);
  const done = await run.done;
  clearTimeout(timer);
  return done;
}

for (const pattern of ['websocket', 'ws-backplane', 'rest-proxy', 'push-proxy']) {
  test(`serve ${pattern} --port <taken>: exit 4, one line with a hint, never "listening"`, async (t) => {
    if (pattern.endsWith('-proxy') && !findNginx()) return t.skip('nginx is not installed');
    const r = await serve(pattern, port);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /listening/);
    assert.match(
      r.stderr,
      new RegExp(`^commbench: port ${port} on 127\\.0\\.0\\.1 is already in use\\nhint: `),
    );
    assert.doesNotMatch(r.stderr, /\n\s+at |Unhandled/);
  });
}

test('serve nats|amqp|redis-streams --port N: refused (exit 2) before any broker starts', async () => {
  for (const pattern of ['nats', 'amqp', 'redis-streams']) {
    const r = await serve(pattern, port);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`serve ${pattern}: --port does not apply`));
    assert.equal(r.stdout, '');
  }
});
