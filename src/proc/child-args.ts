import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../paths.js';

/** How to start a child process or worker that runs one of commbench's entry modules. */
export interface ChildEntry {
  /** The module file to run. */
  readonly path: string;
  /** Node flags it needs (a TypeScript loader when it is a .ts file). */
  readonly execArgv: string[];
}

/**
 * The sibling entry module `name` (e.g. 'server-main') of the module at `fromUrl`. Built code
 * runs built children. Sources under tsx (tests, development) run the built copy too when dist/
 * is newer than every source file — a plain node child starts three times faster than one that
 * compiles TypeScript — and otherwise the .ts file with the same loader flags as this process.
 */
export function childEntry(fromUrl: string, name: string): ChildEntry {
  const path = fileURLToPath(new URL(`./${name}${fromUrl.endsWith('.ts') ? '.ts' : '.js'}`, fromUrl));
  if (!path.endsWith('.ts')) return { path, execArgv: [] };
  const root = packageRoot();
  const built = join(root, 'dist', relative(join(root, 'src'), path)).replace(/\.ts$/, '.js');
  if (builtIsFresh(root) && existsSync(built)) return { path: built, execArgv: [] };
  return { path, execArgv: childExecArgv() };
}

let fresh: boolean | undefined;

/** dist/ was built after the last change to any file under src/ (checked once per process). */
function builtIsFresh(root: string): boolean {
  if (fresh !== undefined) return fresh;
  const marker = join(root, 'dist', 'cli', 'main.js');
  fresh = existsSync(marker) && newestMtime(join(root, 'src')) <= statSync(marker).mtimeMs;
  return fresh;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

const keepWithValue = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
]);
const keepAlone = /^--(enable-source-maps|no-warnings|experimental-|import=|require=|loader=|conditions=)/;

/** The execArgv a child node process needs to load what this one loads (e.g. tsx), without test flags. */
export function childExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (keepWithValue.has(arg) && i + 1 < execArgv.length) out.push(arg, execArgv[++i] as string);
    else if (keepAlone.test(arg)) out.push(arg);
  }
  return out;
}
