/**
 * The built CLI never damages the machine or loses a result: --out never replaces a device, FIFO
 * or socket (copies made here, never the real /dev/null), two runs never write one file, merge
 * refuses results that were not taken together.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { renderJson } from '../../src/result/json.js';
import type { Result } from '../../src/result/types.js';
import { histogramResult } from '../fixtures/histograms.js';
import { assertBuilt, cli, tempDir, until } from './cli.js';

before(assertBuilt);

const quick = ['defaults:', '  pattern: tcp', '  duration: 300ms', '  warmup: 0ms'];

function write(dir: string, name: string, lines: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Runs the CLI, killed after `ms` (a write into a FIFO nobody reads would block for ever). */
async function bounded(args: readonly string[], cwd: string, ms = 30_000) {
  const run = cli(args, cwd);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), ms);
  const done = await run.done;
  clearTimeout(timer);
  return done;
}

/** A character device like /dev/null, made in `dir` (root only), or undefined. */
function nullCopy(dir: string): string | undefined {
  const dev = join(dir, 'null-copy');
  try {
    execFileSync('mknod', [dev, 'c', '1', '3']);
    return dev;
  } catch {
    return undefined;
  }
}

describe('--out never replaces a special file', () => {
  it('run --out <symlink to a character device> / <FIFO>: exit 2 before running, the files intact', async () => {
    const dir = tempDir();
    const file = write(dir, 'quick.yaml', quick);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const targets = [fifo];
    const dev = nullCopy(dir);
    if (dev) {
      symlinkSync(dev, join(dir, 'dev-link.json'));
      targets.push(join(dir, 'dev-link.json'));
    }
    for (const out of targets) {
      const r = await bounded(['run', file, '--out', out], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /not a regular file/);
      assert.doesNotMatch(r.stderr, /\[1\/1\]|\n\s+at /, 'nothing ran, no stack');
    }
    assert.ok(statSync(fifo).isFIFO());
    if (dev) {
      assert.ok(statSync(dev).isCharacterDevice(), 'the device is still a device');
      assert.ok(lstatSync(join(dir, 'dev-link.json')).isSymbolicLink());
    }
  });

  it('merge --out, report --out and compare --out into a FIFO or a device: exit 2, no hang, intact', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'r.json'), renderJson(histogramResult()));
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const dev = nullCopy(dir);
    for (const out of dev ? [fifo, dev] : [fifo]) {
      for (const args of [
        ['merge', 'r.json', 'r.json', '--out', out],
        ['report', 'r.json', '--format', 'markdown', '--out', out],
        ['compare', 'r.json', 'r.json', '--format', 'markdown', '--out', out],
      ]) {
        const r = await bounded(args, dir, 15_000);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /not a regular file/);
      }
    }
    assert.ok(statSync(fifo).isFIFO());
    if (dev) assert.ok(statSync(dev).isCharacterDevice());
  });
});

describe('no result is lost to another run', () => {
  it('a second run with the same --out is refused at once; the first writes its result', async () => {
    const dir = tempDir();
    const file = write(dir, 'long.yaml', ['defaults:', '  pattern: tcp', '  duration: 6s', '  warmup: 0ms']);
    const first = cli(['run', file, '--out', 'same.json'], dir);
    await until(() => first.stderr.includes('[1/1]'), 30_000);
    const second = await bounded(['run', file, '--out', 'same.json'], dir);
    assert.equal(second.code, 2, second.stderr);
    assert.match(second.stderr, /another commbench run \(pid \d+\) is writing this file/);
    const done = await first.done;
    assert.equal(done.code, 0, done.stderr);
    const result = JSON.parse(readFileSync(join(dir, 'same.json'), 'utf8')) as Result;
    assert.equal(result.endReason, 'completed');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('.')),
      [],
      'no lock or temp file left',
    );
  });
});

describe('merge sums only results taken together', () => {
  it('results taken 33 minutes apart are refused (exit 2), naming both windows', async () => {
    const dir = tempDir();
    const a = histogramResult();
    const shift = (iso: string): string => new Date(Date.parse(iso) + 33 * 60_000).toISOString();
    const b: Result = { ...a, startedAt: shift(a.startedAt), finishedAt: shift(a.finishedAt) };
    writeFileSync(join(dir, 'a.json'), renderJson(a));
    writeFileSync(join(dir, 'b.json'), renderJson(b));
    const r = await bounded(['merge', 'a.json', 'b.json', '--out', 'm.json'], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not taken at the same time/);
    assert.match(r.stderr, /b\.json ran .* s after the other ended/);
    assert.equal(existsSync(join(dir, 'm.json')), false);
  });
});
