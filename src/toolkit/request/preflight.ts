/**
 * What a request block needs at run time, checked before anything starts: the files it names
 * (regular files of bounded size, folders for importPaths), the environment variables it refers to,
 * and header and metadata values that can be sent (no CR, LF or NUL: a header cannot be split).
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { formatBytes } from '../../units.js';
import type { RequestSpec } from '../../plan/request.js';

/** The largest file a request block may name (a body, a body list, a message, a proto, a PEM), bytes. */
export const maxRequestFileBytes = 64 * 1024 * 1024;

const envRef = /\$\{ENV:([A-Za-z_][A-Za-z0-9_]*)\}/g;
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const unsendable = /[\r\n\0]/;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isFIFO()) return 'a pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Why the file `path` named by `request.<field>` cannot be used, or undefined: missing or
 * unreadable, not a regular file (a device or a pipe would be read without end), or larger than
 * `maxRequestFileBytes`.
 */
export function requestFileProblem(path: string, field: string): string | undefined {
  let st: Stats;
  try {
    st = statSync(path);
    accessSync(path, constants.R_OK);
  } catch (err) {
    return `request.${field}: cannot read ${path}: ${(err as Error).message}`;
  }
  if (!st.isFile()) return `request.${field}: ${path} is ${kindOf(st)}, not a regular file`;
  if (st.size > maxRequestFileBytes) {
    return `request.${field}: ${path} is ${formatBytes(st.size)}, more than the ${formatBytes(maxRequestFileBytes)} a request file may hold`;
  }
  return undefined;
}

/** Every problem that would stop `request` from being sent, each one line naming its field. */
export function requestProblems(request: RequestSpec, env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  const file = (path: string | undefined, field: string): void => {
    const problem = path === undefined ? undefined : requestFileProblem(path, field);
    if (problem !== undefined) problems.push(problem);
  };
  file(request.bodyFile, 'bodyFile');
  file(request.bodies, 'bodies');
  file(request.messageFile, 'messageFile');
  file(request.proto, 'proto');
  file(request.tls?.ca, 'tls.ca');
  file(request.tls?.cert, 'tls.cert');
  file(request.tls?.key, 'tls.key');
  for (const dir of request.importPaths ?? []) {
    try {
      if (!statSync(dir).isDirectory()) problems.push(`request.importPaths: ${dir} is not a folder`);
    } catch (err) {
      problems.push(`request.importPaths: ${(err as Error).message}`);
    }
  }
  const unset = new Set<string>();
  for (const [, name] of JSON.stringify(request).matchAll(envRef))
    if (env[name as string] === undefined) unset.add(name as string);
  for (const name of unset) problems.push(`request: environment variable ${name} is not set`);
  const resolved = (v: string): string => v.replace(envRef, (ref, name: string) => env[name] ?? ref);
  for (const [field, values] of [
    ['headers', request.headers],
    ['metadata', request.metadata],
  ] as const) {
    for (const [name, value] of Object.entries(values ?? {})) {
      if (!headerName.test(name))
        problems.push(`request.${field}: ${JSON.stringify(name)} is not a valid name`);
      if (unsendable.test(resolved(String(value))))
        problems.push(
          `request.${field}.${name}: the value holds a line break or NUL (CR, LF): it cannot be sent`,
        );
    }
  }
  const auth = request.auth;
  const credentials =
    auth && 'bearer' in auth ? [auth.bearer] : auth ? [auth.basic.username, auth.basic.password] : [];
  if (credentials.some((c) => unsendable.test(resolved(c))))
    problems.push('request.auth: a credential holds a line break or NUL (CR, LF): it cannot be sent');
  return problems;
}
