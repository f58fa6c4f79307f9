import { CommbenchError } from '../../errors.js';
import type { RequestSpec } from '../../plan/request.js';

const envRef = /\$\{ENV:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces every `${ENV:NAME}` in `text` with the variable's value. Resolved in the driver when a
 * client connects, so scenario files and results keep the reference, never the secret.
 * Throws E_USAGE naming the variable when it is not set.
 */
export function resolveEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!text.includes('${ENV:')) return text;
  return text.replace(envRef, (_, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw new CommbenchError('E_USAGE', `request: environment variable ${name} is not set`, {
        hint: `export ${name}=... before running (the scenario refers to it as \${ENV:${name}})`,
      });
    }
    return value;
  });
}

/** Every string in `value` (deeply) with `${ENV:…}` resolved. */
export function resolveEnvDeep<T>(value: T, env: NodeJS.ProcessEnv = process.env): T {
  if (typeof value === 'string') return resolveEnv(value, env) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => resolveEnvDeep(v, env)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnvDeep(v, env)])) as T;
  }
  return value;
}

const secretHeader = /authorization|token|secret|api-?key|cookie|password/i;

/**
 * The secret strings a request block carries, as they can appear in a result: values of the
 * environment variables it refers to, literal credentials (auth, secret-looking headers and
 * metadata) and their Basic encoding. The CLI replaces each with '***' before writing a result.
 */
export function requestSecrets(
  request: RequestSpec | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  if (!request) return [];
  const secrets = new Set<string>();
  for (const [, name] of JSON.stringify(request).matchAll(envRef)) {
    const value = env[name as string];
    if (value) secrets.add(value);
  }
  const literal = (v: string | number | undefined): void => {
    if (v === undefined) return;
    const text = String(v);
    if (!text.includes('${ENV:') && text.length >= 3) secrets.add(text.replace(/^(Bearer|Basic)\s+/i, ''));
  };
  if (request.auth && 'bearer' in request.auth) literal(request.auth.bearer);
  if (request.auth && 'basic' in request.auth) {
    // Never throws (this runs after the run, on whatever the user wrote): unset variables stay as is.
    const soft = (t: string): string => t.replace(envRef, (ref, name: string) => env[name] ?? ref);
    const username = soft(request.auth.basic.username);
    const password = soft(request.auth.basic.password);
    literal(request.auth.basic.password);
    secrets.add(Buffer.from(`${username}:${password}`).toString('base64'));
  }
  for (const [k, v] of Object.entries({ ...request.headers, ...request.metadata })) {
    if (secretHeader.test(k)) literal(v);
  }
  return [...secrets].filter((s) => s.length >= 3);
}

/** `text` with every secret replaced by '***' (secrets JSON-escaped, for result JSON text). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    const escaped = JSON.stringify(s).slice(1, -1);
    out = out.split(escaped).join('***');
  }
  return out;
}
