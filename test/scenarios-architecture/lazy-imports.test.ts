import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lazy } from '../../src/toolkit/lazy.js';
import { assertBuilt, cli, tempDir } from '../cli/cli.js';

/**
 * Lazy patterns (docs/architecture.md, Conventions): a pattern's index.ts is cheap and its server and client load on first use, so a
 * scenario loads only the protocol libraries of the patterns it runs. NODE_DEBUG=module makes Node
 * log every CommonJS module it loads (amqplib, ioredis, nats and grpc-js are CommonJS).
 */
describe('lazy pattern imports', () => {
  it('lazy() imports nothing until called, then calls the named export with the arguments', async () => {
    let loads = 0;
    const load = () => {
      loads++;
      return Promise.resolve({ twice: (n: number, tag: string) => Promise.resolve(`${tag}${n * 2}`) });
    };
    const twice = lazy(load, 'twice');
    assert.equal(loads, 0);
    assert.equal(await twice(21, '='), '=42');
    assert.equal(loads, 1);
  });

  it('`commbench run rest-vs-graphql` loads no library of a pattern it does not run', async () => {
    assertBuilt();
    const dir = tempDir();
    const run = cli(
      ['run', 'rest-vs-graphql', '--duration', '200ms', '--warmup', '0s', '--out', join(dir, 'r.json')],
      dir,
      { env: { NODE_DEBUG: 'module' } },
    );
    const { code, stderr } = await run.done;
    assert.equal(code, 0, stderr.slice(-2000));
    assert.match(stderr, /node_modules\/undici\//, 'NODE_DEBUG=module logs the CommonJS modules loaded');
    for (const lib of ['amqplib', 'ioredis', 'nats', '@grpc/grpc-js'])
      assert.doesNotMatch(stderr, new RegExp(`node_modules/${lib}/`), `${lib} was loaded`);
  });
});
