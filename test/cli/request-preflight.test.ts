/**
 * Values a request block only needs at run time are checked before anything starts: a missing or
 * special or oversized body file, a missing CA, an unset ${ENV:…}, a header value with a line break.
 * Each is exit 2 with one line naming the field, and the target never sees a connection.
 */
import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertBuilt, cli, resultFiles, tempDir } from './cli.js';

before(assertBuilt);

let connections = 0;
const target = createServer((s) => {
  connections++;
  s.destroy();
});
after(() => target.close());

delete process.env.COMMBENCH_TEST_UNSET;

describe('run: request values are checked before anything starts (exit 2)', () => {
  const dir = tempDir();
  const big = join(dir, 'big.json');
  writeFileSync(big, '');
  truncateSync(big, 65 * 1024 * 1024); // sparse: no disk used
  const cases: [string, string[], RegExp][] = [
    [
      '-d @missing-file',
      ['-d', '@missing.json'],
      /^commbench: request\.bodyFile: cannot read .*missing\.json: ENOENT/m,
    ],
    ['-d @/dev/zero', ['-d', '@/dev/zero'], /request\.bodyFile: \/dev\/zero is a device, not a regular file/],
    ['-d @folder', ['-d', `@${dir}`], /request\.bodyFile: .* is a folder, not a regular file/],
    [
      '-d @65MiB file',
      ['-d', `@${big}`],
      /request\.bodyFile: .*big\.json is 65(\.0)?MiB, more than the 64(\.0)?MiB/,
    ],
    ['--data-lines /dev/zero', ['--data-lines', '/dev/zero'], /request\.bodies: \/dev\/zero is a device/],
    [
      '--ca missing.pem',
      ['-X', 'GET', '--ca', 'missing.pem'],
      /request\.tls\.ca: cannot read .*missing\.pem/,
    ],
    [
      'unset ${ENV:X}',
      ['-H', 'x-token: ${ENV:COMMBENCH_TEST_UNSET}'],
      /environment variable COMMBENCH_TEST_UNSET is not set/,
    ],
    [
      'CRLF inside -H',
      ['-H', 'x-a: b\r\ninjected: c'],
      /request\.headers\.x-a: the value holds a line break/,
    ],
  ];
  for (const [what, flags, message] of cases) {
    it(`${what}: exit 2, one line, no server started, no connection`, async () => {
      await new Promise<void>((resolve) =>
        target.listening ? resolve() : target.listen(0, '127.0.0.1', resolve),
      );
      const { port } = target.address() as { port: number };
      const before = connections;
      const args = ['run', 'smoke', '--pattern', 'rest', '--duration', '300ms', '--warmup', '0ms'];
      const { code, stderr } = await cli(
        [...args, '--target', `rest=http://127.0.0.1:${port}/`, ...flags],
        dir,
      ).done;
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
      assert.doesNotMatch(stderr, /\[1\/1\]|\n\s+at /, 'nothing ran, no stack');
      assert.equal(connections, before, 'the target saw no connection');
      assert.deepEqual(resultFiles(dir), []);
    });
  }
});
