/** Ctrl-C as soon as a case starts (its server still starting) stops the run at once, not after the window. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Result } from '../../src/result/types.js';
import { assertBuilt, cli, tempDir, until } from './cli.js';

before(assertBuilt);

test('SIGINT while the first case starts its server: exit 130 well before the 5 s window ends', async () => {
  const dir = tempDir();
  const file = join(dir, 'long.yaml');
  writeFileSync(
    file,
    'defaults:\n  pattern: rest\n  duration: 5s\n  warmup: 0ms\n  load: { connections: 2 }\n',
  );
  const run = cli(['run', file, '--out', 'r.json'], dir, { ownProcessGroup: true });
  await until(() => run.stderr.includes('[1/1]'), 30_000);
  const sentAt = Date.now();
  process.kill(-(run.child.pid as number), 'SIGINT');
  const { code, stderr } = await run.done;
  const ms = Date.now() - sentAt;
  assert.equal(code, 130, stderr);
  assert.ok(ms < 3000, `exited ${ms} ms after SIGINT`);
  const result = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Result;
  assert.equal(result.endReason, 'interrupted');
});
