/**
 * `--open`: the HTML report in the user's browser, when there is one. $BROWSER first (the usual
 * convention, and what tests set), else the platform's opener (xdg-open, open, start). The opener
 * runs detached; when none can start, one line says where the file is instead.
 */
import { startDetached } from '../proc/spawn.js';

/** The command that opens `path` here: $BROWSER, else the platform's opener. */
export function openerFor(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string[] {
  const browser = env.BROWSER?.split(':')[0]?.trim();
  if (browser) return [browser, path];
  if (platform === 'darwin') return ['open', path];
  if (platform === 'win32') return ['cmd', '/c', 'start', '', path];
  return ['xdg-open', path];
}

/** Opens `path` in a browser without waiting for it; says so on stderr when that cannot start. */
export async function openInBrowser(path: string): Promise<void> {
  const [command, ...args] = openerFor(path);
  if (!(await startDetached(command!, args))) {
    process.stderr.write(
      `commbench: no browser to open it (${command} did not start); the report is ${path}\n`,
    );
  }
}
