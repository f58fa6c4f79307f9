import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
export const bin = join(root, 'bin/commbench.js');

export function assertBuilt(): void {
  if (!existsSync(join(root, 'dist/cli/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'commbench-test-'));
}

export interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Runs the built CLI in `cwd`, collecting its output. */
export function cli(
  args: readonly string[],
  cwd: string,
  opts: { ownProcessGroup?: boolean; env?: Readonly<Record<string, string>> } = {},
): Run {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
    // Its own process group, as a terminal gives a foreground job: kill(-pid) then reaches the whole group.
    detached: opts.ownProcessGroup === true,
  });
  const run: Run = { child, stdout: '', stderr: '', done: undefined as never };
  child.stdout.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
  run.done = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: run.stdout, stderr: run.stderr })),
  );
  return run;
}

/** PIDs of the live processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** The process group id of `pid` (from /proc). */
export function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function resultFiles(dir: string): string[] {
  const results = join(dir, 'results');
  return existsSync(results) ? readdirSync(results).map((f) => join(results, f)) : [];
}
