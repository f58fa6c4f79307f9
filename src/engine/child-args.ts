import { fileURLToPath } from 'node:url';

/**
 * Path of a sibling entry module of `fromUrl` (e.g. server-main), with the same extension as the
 * caller: .ts when running from sources under tsx, .js when running the built dist/.
 */
export function siblingEntry(fromUrl: string, name: string): string {
  const ext = fromUrl.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./${name}${ext}`, fromUrl));
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
