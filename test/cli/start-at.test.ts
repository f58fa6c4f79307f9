/**
 * `run --start-at` through the built CLI: a time out of range is a usage error (exit 2, one line, no
 * stack), and Ctrl-C while waiting for the start stops the run at once, with nothing measured.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { Result } from '../../src/result/types.js';
import { assertBuilt, childrenOf, cli, resultFiles, tempDir, until } from './cli.js';

before(assertBuilt);

const quick = ['run', 'smoke', '--pattern', 'tcp', '--duration', '300ms', '--warmup', '0ms'];

describe('run --start-at', () => {
  for (const [value, message] of [
    ['99999999999999999', /out of range\) is more than 7 days ahead/],
    [String(Date.now() + 30 * 24 * 3600_000), /more than 7 days ahead/],
    ['1700000000', /more than an hour in the past \(epoch seconds\?/],
  ] as const) {
    it(`${value}: exit 2, one line and a hint, nothing started`, async () => {
      const dir = tempDir();
      const { code, stderr } = await cli([...quick, '--start-at', value], dir).done;
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
      assert.match(stderr, /^hint: a time between an hour ago and 7 days ahead/m);
      assert.doesNotMatch(stderr, /RangeError|\n\s+at /);
      assert.deepEqual(resultFiles(dir), []);
    });
  }

  it('Ctrl-C while waiting for the start: exit 130 at once, no server started, nothing measured', async () => {
    const dir = tempDir();
    const run = cli([...quick, '--start-at', String(Date.now() + 60_000)], dir);
    const pid = run.child.pid as number;
    await until(() => run.stderr.includes('starting at'), 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const sentAt = Date.now();
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    assert.ok(Date.now() - sentAt < 1500, `exited ${Date.now() - sentAt} ms after SIGINT`);
    assert.equal(code, 130, stderr);
    assert.deepEqual(childrenOf(pid), []);
    const [path] = resultFiles(dir);
    assert.ok(path, 'the (empty) result was written');
    const result = JSON.parse(readFileSync(path, 'utf8')) as Result;
    assert.equal(result.endReason, 'interrupted');
    assert.ok(result.cases.every((c) => c.repetitions.length === 0 && c.status === 'interrupted'));
  });
});
