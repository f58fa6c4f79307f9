/**
 * Writing files the CLI is asked for (results, reports, comparisons): atomically, never over
 * anything but a regular file, and under a name a run claims when it starts.
 *
 * - `writeFileAtomic` writes a temp file beside the target, fsyncs it and renames it over: a full
 *   disk or Ctrl-C leaves the previous file whole, never a truncated one.
 * - The rename only ever replaces a regular file. A device, FIFO or socket (or a symlink to one)
 *   is refused with E_USAGE before it is touched: `--out /dev/null` must not turn /dev/null into
 *   a JSON file. A symlink to a regular file is written through (its target is replaced, the link
 *   kept).
 * - `claimOutput` takes a name for the whole run with an O_EXCL lock file beside it, so two runs
 *   started together never write the same file: one with a default name moves on to the next free
 *   name, one with the same `--out` is refused before it measures anything.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CommbenchError, errnoCode } from '../errors.js';

/** What kind of file a path names, in words ('a character device'), or undefined for a regular file or none. */
async function specialKind(path: string): Promise<string | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      // A symlink whose target is missing: renaming over it would replace the link, not the target.
      const link = await lstat(path).catch(() => undefined);
      return link?.isSymbolicLink() ? 'a symlink to a missing file' : undefined;
    }
    throw err;
  }
  if (info.isFile()) return undefined;
  // rename() cannot replace a folder (EISDIR): the write fails and says so, the folder is untouched.
  if (info.isDirectory()) return undefined;
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The path a write to `path` renames over: `path` itself, or a symlink's final target when it is a
 * regular file. Throws E_USAGE (naming `flag`) when `path` is, or links to, anything but a regular
 * file or nothing.
 */
export async function replaceablePath(path: string, flag = '--out'): Promise<string> {
  const kind = await specialKind(path);
  if (kind !== undefined) {
    throw new CommbenchError('E_USAGE', `${flag} ${path}: it is ${kind}, not a regular file`, {
      hint: 'commbench writes a new file and renames it over the old one, so it replaces only regular files: give a file name',
    });
  }
  const link = await lstat(path).catch(() => undefined);
  return link?.isSymbolicLink() ? realpath(path) : path;
}

/**
 * Writes `content` to `path` atomically: the folder is created, a temp file beside the target is
 * written, fsynced and renamed over it (or over a symlink's regular-file target), and the folder is
 * fsynced (best effort). Either the old file or the complete new one is visible. Throws E_USAGE for
 * a target that is not a regular file (see replaceablePath); errno errors otherwise.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  flag = '--out',
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const target = await replaceablePath(path, flag);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const file = await open(tmp, 'wx');
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    // Checked again right before the rename: the target may have changed during a long run.
    await replaceablePath(target, flag);
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directories cannot be opened or fsynced on every platform (Windows); the rename is still atomic.
  }
}

/** A name held for one run until its result is written; `release` frees it (idempotent). */
export interface OutputClaim {
  /** The file the run writes (absolute). */
  readonly path: string;
  release(): Promise<void>;
}

/** The lock file that claims `path`: hidden, beside it. */
export function claimFileOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.lock`);
}

/** The process holding `lock`, when that process is still alive (a dead owner's claim is stale). */
async function liveOwner(lock: string): Promise<number | undefined> {
  const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return errnoCode(err) === 'EPERM' ? pid : undefined;
  }
}

/** Creates the lock with O_EXCL; true when taken, false when a live run holds it. Stale locks are taken over. */
async function tryLock(lock: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return true;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      if ((await liveOwner(lock)) !== undefined) return false;
      // An empty lock may be one being written right now: look again before taking it over.
      if ((await readFile(lock, 'utf8').catch(() => 'x')) === '') {
        await new Promise((r) => setTimeout(r, 20));
        if ((await liveOwner(lock)) !== undefined) return false;
      }
      await unlink(lock).catch(() => undefined);
    }
  }
  return false;
}

function claimOf(path: string, lock: string): OutputClaim {
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      await unlink(lock).catch(() => undefined);
    },
  };
}

/**
 * Claims `path` for this run (O_EXCL lock file beside it). Throws E_USAGE, naming `flag` and the
 * other run's pid, when a live commbench run holds it, and when `path` is not a regular file.
 */
export async function claimOutput(path: string, flag = '--out'): Promise<OutputClaim> {
  await replaceablePath(path, flag);
  const lock = claimFileOf(path);
  if (!(await tryLock(lock))) {
    const pid = await liveOwner(lock);
    throw new CommbenchError(
      'E_USAGE',
      `${flag} ${path}: another commbench run${pid === undefined ? '' : ` (pid ${pid})`} is writing this file`,
      { hint: 'give each run its own --out (or leave --out out: every run gets a new timestamped name)' },
    );
  }
  return claimOf(path, lock);
}

/**
 * Claims the first free name `candidate(n)` for n = 1, 2, …: one with no file and no live claim
 * (O_EXCL lock file). Two runs started in the same second get two names.
 */
export async function claimFreeName(candidate: (n: number) => string): Promise<OutputClaim> {
  for (let n = 1; ; n++) {
    const path = candidate(n);
    const lock = claimFileOf(path);
    if (existsSync(path) || (existsSync(lock) && isLiveLock(lock))) continue;
    if (!(await tryLock(lock))) continue;
    // The name may have been written and released between the look and the lock.
    if (existsSync(path)) {
      await unlink(lock).catch(() => undefined);
      continue;
    }
    return claimOf(path, lock);
  }
}

function isLiveLock(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return true; // being written: treat as taken
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}
