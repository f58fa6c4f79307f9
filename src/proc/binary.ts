/** Finding the executables commbench starts (brokers, nginx). */
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/**
 * Extra folders searched after PATH: Debian puts rabbitmq-server, nats-server and nginx in sbin;
 * Homebrew and nginx's own source build elsewhere.
 */
const extraDirs = [
  '/usr/local/sbin',
  '/usr/sbin',
  '/sbin',
  '/usr/local/nginx/sbin',
  '/opt/homebrew/sbin',
  '/opt/homebrew/bin',
];

/**
 * The executable `name` on PATH or in the usual sbin folders; undefined if none. Not resolved
 * through symlinks: redis-server is a link to a multi-call binary that looks at its own name.
 */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A sibling executable of `binary` (e.g. rabbitmqctl next to rabbitmq-server). */
export function sibling(binary: string, name: string): string {
  return join(dirname(binary), name);
}

/** `path` with symlinks resolved. */
export function realPath(path: string): string {
  return realpathSync(path);
}
