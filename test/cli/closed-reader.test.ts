import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { assertBuilt, bin, tempDir } from './cli.js';

/** Runs the CLI with its stdout a pipe whose reader is gone before it writes (`| head` that quit). */
function withClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: tempDir(),
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

test('a reader that went away (| head) is not an error: exit 0, no stack trace', async () => {
  assertBuilt();
  for (const args of [['run', '--help'], ['list'], ['--help']]) {
    const { code, stderr } = await withClosedStdout(args);
    assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
    assert.doesNotMatch(stderr, /EPIPE|Unhandled|at /, args.join(' '));
  }
});
