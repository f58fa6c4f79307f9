import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  linkSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CommbenchError } from '../errors.js';
import { claimOutPath, numberedResultPath } from './io.js';
import { claimFileOf, claimOutput, writeFileAtomic } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'commbench-write-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function usageError(re: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof CommbenchError, String(err));
    assert.equal(err.code, 'E_USAGE');
    assert.equal(err.exitCode, 2);
    assert.match(err.message, re);
    return true;
  };
}

test('writeFileAtomic never replaces a FIFO, nor a symlink to one: refused with E_USAGE, the FIFO intact', async () => {
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const link = join(dir, 'pipe-link.json');
  symlinkSync(fifo, link);
  await assert.rejects(writeFileAtomic(fifo, '{}'), usageError(/named pipe/));
  await assert.rejects(writeFileAtomic(link, '{}'), usageError(/named pipe/));
  assert.ok(statSync(fifo).isFIFO(), 'still a FIFO');
  assert.ok(lstatSync(link).isSymbolicLink(), 'still a symlink');
});

test('writeFileAtomic never replaces a character device (a copy of /dev/null made here)', async (t) => {
  const dev = join(dir, 'null-copy');
  try {
    execFileSync('mknod', [dev, 'c', '1', '3']);
  } catch {
    t.skip('mknod needs root');
    return;
  }
  const link = join(dir, 'dev-link');
  symlinkSync(dev, link);
  await assert.rejects(writeFileAtomic(dev, '{}'), usageError(/character device/));
  await assert.rejects(writeFileAtomic(link, '{}'), usageError(/character device/));
  assert.ok(statSync(dev).isCharacterDevice(), 'still a character device');
});

test('writeFileAtomic writes through a symlink to a regular file: the target replaced, the link kept', async () => {
  const target = join(dir, 'real.json');
  writeFileSync(target, 'old');
  const link = join(dir, 'link.json');
  symlinkSync(target, link);
  await writeFileAtomic(link, 'new');
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(target, 'utf8'), 'new');
});

test('writeFileAtomic replaces by rename (a new inode): a reader of the old file never sees a partial one', async () => {
  const path = join(dir, 'report.md');
  writeFileSync(path, 'old report');
  const held = join(dir, 'held.md');
  linkSync(path, held); // another name for the old inode, as a reader holding it open
  await writeFileAtomic(path, 'new report');
  assert.equal(readFileSync(path, 'utf8'), 'new report');
  assert.equal(readFileSync(held, 'utf8'), 'old report', 'the old file was not written in place');
});

test('two runs in the same second with the default name claim two names', async () => {
  const results = join(dir, 'results');
  const now = new Date(2026, 11, 7, 22, 0, 0);
  const nameIn = (folder: string, n: number): string => numberedResultPath(folder, 'smoke', now, n);
  const a = await claimOutPath(`${results}/`, nameIn, '--results-dir');
  const b = await claimOutPath(`${results}/`, nameIn, '--results-dir');
  assert.notEqual(a.path, b.path);
  assert.match(b.path, /smoke-20261207-220000-2\.json$/);
  await a.release();
  await b.release();
});

test('a second run with the same --out is refused while the first holds it; a dead run’s claim is taken over', async () => {
  const out = join(dir, 'same.json');
  const first = await claimOutput(out);
  await assert.rejects(
    claimOutput(out),
    usageError(new RegExp(`another commbench run \\(pid ${process.pid}\\)`)),
  );
  await first.release();
  const again = await claimOutput(out);
  await again.release();
  // A lock left by a process that no longer exists (kill -9) does not block the name forever.
  const dead = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  writeFileSync(claimFileOf(out), `${dead}\n`);
  const taken = await claimOutput(out);
  assert.equal(readFileSync(claimFileOf(out), 'utf8').trim(), String(process.pid));
  await taken.release();
});
