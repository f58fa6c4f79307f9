/**
 * One error type for everything the user can act on. `code` is stable (tests and scripts may match
 * on it); `hint` says how to fix it. The top-level handler in src/cli/main.ts prints both and exits
 * with `exitCode`.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  failed: 3,
  environment: 4,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'E_USAGE'
  | 'E_SCENARIO_INVALID'
  | 'E_SCENARIO_NOT_FOUND'
  | 'E_PATTERN_UNKNOWN'
  | 'E_PORT_IN_USE'
  | 'E_TARGET_UNREACHABLE'
  | 'E_SERVER_START'
  | 'E_SERVER_CRASHED'
  | 'E_RUN_FAILED'
  /** A case's window ended without one successful operation (every one failed, or none came back). */
  | 'E_NO_SUCCESS'
  /** The broker a queue case goes through (one commbench started) died during the run. */
  | 'E_BROKER_DIED'
  | 'E_INTERRUPTED'
  | 'E_RESULT_INVALID'
  /** `check`: a threshold was crossed. */
  | 'E_THRESHOLD'
  /** `compare`: a gated metric regressed. */
  | 'E_REGRESSION'
  /** `merge`: the results are not runs of the same scenario. */
  | 'E_MERGE_MISMATCH'
  /** A result or report could not be written where asked (after the run: the result went elsewhere). */
  | 'E_OUTPUT';

const exitCodeOf: Record<ErrorCode, ExitCode> = {
  E_USAGE: ExitCode.usage,
  E_SCENARIO_INVALID: ExitCode.usage,
  E_SCENARIO_NOT_FOUND: ExitCode.usage,
  E_PATTERN_UNKNOWN: ExitCode.usage,
  E_RESULT_INVALID: ExitCode.usage,
  E_MERGE_MISMATCH: ExitCode.usage,
  E_THRESHOLD: ExitCode.failed,
  E_REGRESSION: ExitCode.failed,
  E_PORT_IN_USE: ExitCode.environment,
  E_TARGET_UNREACHABLE: ExitCode.environment,
  E_SERVER_START: ExitCode.environment,
  E_SERVER_CRASHED: ExitCode.failed,
  E_RUN_FAILED: ExitCode.failed,
  E_NO_SUCCESS: ExitCode.failed,
  E_BROKER_DIED: ExitCode.failed,
  E_INTERRUPTED: ExitCode.interrupted,
  E_OUTPUT: ExitCode.environment,
};

export class CommbenchError extends Error {
  override readonly name = 'CommbenchError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** Extra lines printed under the message (e.g. every validation problem). */
  readonly details: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; details?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }

  get exitCode(): ExitCode {
    return exitCodeOf[this.code];
  }
}

export function isCommbenchError(err: unknown): err is CommbenchError {
  return err instanceof CommbenchError;
}

/** Node system error codes we translate into CommbenchErrors. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * How a failed operation is counted: every error a pattern client reports is one of these.
 * `rejected`: the server turned the request away for load (HTTP 429 Too Many Requests, 503
 * Service Unavailable; the sample says its Retry-After) — not a broken server like a 500, which
 * is `protocol`. 'oversize': the answer was larger than a client reads (`maxResponseBytes`).
 * Results written before a kind existed lack its key: read it as 0.
 */
export const errorKinds = ['timeout', 'connection', 'protocol', 'mismatch', 'rejected', 'oversize'] as const;
export type ErrorKind = (typeof errorKinds)[number];

/** A count of 0 for every error kind (a kind added later is then never missing). */
export function noErrors(): Record<ErrorKind, number> {
  return Object.fromEntries(errorKinds.map((k) => [k, 0])) as Record<ErrorKind, number>;
}

/** What a failed network operation's errno / library code says about the other side. */
export type ErrnoKind = 'timeout' | 'connection';

/**
 * The one errno classifier: 'timeout' (ETIMEDOUT, a library's *TIMEOUT* code), 'connection'
 * (refused, reset, broken pipe, unknown or unreachable host, a closed or destroyed socket), or
 * undefined (no string code: a protocol or library error).
 */
export function errnoKind(err: unknown): ErrnoKind | undefined {
  const code = errnoCode(err);
  if (code === undefined) return undefined;
  if (/TIMEOUT|ETIMEDOUT/i.test(code)) return 'timeout';
  if (
    /ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|SOCKET|CLOSED|DESTROYED|ECONNABORTED/i.test(code)
  ) {
    return 'connection';
  }
  return undefined;
}

/**
 * What to do about problems with command-line flags, fitted to the flags that are wrong: each
 * problem line starts with its flag ('--duration: …'); the hint names only those flags' rules.
 */
export function hintForFlags(problems: readonly string[], command = 'run'): string {
  const flags = new Set(problems.map((p) => /^(--[a-z-]+)/.exec(p)?.[1]).filter((f) => f !== undefined));
  const parts: string[] = [];
  const any = (...names: string[]): boolean => names.some((n) => flags.has(n));
  if (any('--duration', '--warmup', '--timeout')) parts.push('durations: 500ms, 10s, 2m');
  if (any('--payload')) parts.push('sizes: 64 (bytes), 1KiB, 16KiB, 1MiB');
  if (any('--connections', '--repeat', '--workers')) parts.push('counts are whole numbers: --connections 50');
  if (any('--rate')) parts.push('rates are operations per second: --rate 2000');
  if (any('--pattern')) parts.push('commbench list shows each scenario and its patterns');
  if (any('--target')) parts.push('--target takes pattern=url: --target rest=http://127.0.0.1:8080');
  return [...parts, `see commbench ${command} --help`].join('; ');
}
