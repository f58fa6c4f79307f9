/**
 * Command-line overrides of a scenario (`commbench run NAME --duration 2s --payload 64 ...`).
 */
import { CommbenchError, hintForFlags } from '../errors.js';
import { isPatternName, patternNames, type PatternName } from '../patterns/registry.js';
import { durationHelp, parseDuration, parseSize, sizeHelp } from '../units.js';
import type { OverrideLayer } from './expand.js';
import type { Fields, MatrixKey } from './schema.js';

/**
 * Flag values as the user typed them (units allowed: '2s', '1KiB'). Each given value replaces the
 * default, every case's value and the matrix dimension of the same field.
 */
export interface Overrides {
  /** --duration: measured window per repetition. */
  readonly duration?: string | number;
  /** --warmup */
  readonly warmup?: string | number;
  /** --connections: replaces load.connections. */
  readonly connections?: string | number;
  /** --rate: operations/s; switches every case to the open (rate) load model. */
  readonly rate?: string | number;
  /** --payload: payload size; replaces payload.size. */
  readonly payload?: string | number;
  /** --pattern: keep only cases of these patterns (entries may be comma-separated lists). */
  readonly pattern?: readonly string[];
  readonly repeat?: string | number;
  readonly workers?: string | number;
  /** --timeout: per-operation timeout. */
  readonly timeout?: string | number;
  /** --target pattern=url: drive an existing server for that pattern's cases. */
  readonly target?: Readonly<Record<string, string>>;
}

/** Overrides after parsing: a layer for the expansion plus the pattern filter and targets. */
export interface ParsedOverrides extends OverrideLayer {
  readonly patterns: readonly PatternName[] | undefined;
  readonly targets: Readonly<Partial<Record<PatternName, string>>>;
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));

function parseCount(v: string | number): number | undefined {
  const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

function parseRate(v: string | number): number | undefined {
  const n = typeof v === 'number' ? v : /^\s*\d+(\.\d+)?\s*(\/s)?\s*$/.test(v) ? parseFloat(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Parses and checks every override; throws E_USAGE listing all problems at once. */
export function parseOverrides(o: Overrides): ParsedOverrides {
  const problems: string[] = [];
  function get<T>(
    flag: string,
    raw: string | number | undefined,
    parse: (v: string | number) => T | undefined,
    help: string,
  ) {
    if (raw === undefined) return undefined;
    const v = parse(raw);
    if (v === undefined) problems.push(`--${flag}: invalid value ${show(raw)}; expected ${help}`);
    return v;
  }
  const positive = (v: string | number) => {
    const ms = parseDuration(v);
    return ms !== undefined && ms > 0 ? ms : undefined;
  };
  const duration = get('duration', o.duration, positive, `${durationHelp}, > 0`);
  const warmup = get('warmup', o.warmup, parseDuration, durationHelp);
  const timeout = get('timeout', o.timeout, positive, `${durationHelp}, > 0`);
  const connections = get('connections', o.connections, parseCount, 'an integer >= 1');
  const rate = get('rate', o.rate, parseRate, "operations per second, > 0 (e.g. '2000')");
  const size = get('payload', o.payload, parseSize, sizeHelp);
  const repeat = get('repeat', o.repeat, parseCount, 'an integer >= 1');
  const workers = get('workers', o.workers, parseCount, 'an integer >= 1');

  let patterns: PatternName[] | undefined;
  if (o.pattern !== undefined) {
    patterns = [];
    for (const name of o.pattern
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (isPatternName(name)) patterns.push(name);
      else problems.push(`--pattern: unknown pattern '${name}'; valid: ${patternNames.join(', ')}`);
    }
    if (patterns.length === 0 && problems.length === 0) problems.push('--pattern: no pattern given');
  }

  const targets: Partial<Record<PatternName, string>> = {};
  for (const [name, url] of Object.entries(o.target ?? {})) {
    if (name === '') {
      problems.push(`--target ${url}: expected pattern=url, e.g. rest=http://127.0.0.1:8080`);
    } else if (!isPatternName(name)) {
      problems.push(`--target ${name}=${url}: unknown pattern '${name}'; valid: ${patternNames.join(', ')}`);
    } else if (!URL.canParse(url)) {
      problems.push(`--target ${name}=${url}: invalid URL '${url}'`);
    } else {
      targets[name] = url;
    }
  }

  if (problems.length > 0) {
    throw new CommbenchError('E_USAGE', `invalid option${problems.length > 1 ? 's' : ''}`, {
      details: problems,
      hint: hintForFlags(problems),
    });
  }

  const fields: Fields = {
    ...(duration === undefined ? {} : { duration }),
    ...(warmup === undefined ? {} : { warmup }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(repeat === undefined ? {} : { repeat }),
    ...(workers === undefined ? {} : { workers }),
    ...(connections === undefined && rate === undefined
      ? {}
      : {
          load: {
            ...(connections === undefined ? {} : { connections }),
            ...(rate === undefined ? {} : { model: 'rate' as const, rate }),
          },
        }),
    ...(size === undefined ? {} : { payload: { size } }),
  };
  const clears: MatrixKey[] = [];
  if (connections !== undefined) clears.push('load.connections');
  if (rate !== undefined) clears.push('load.rate');
  if (size !== undefined) clears.push('payload.size');
  if (workers !== undefined) clears.push('workers');
  return { fields, clears, patterns, targets };
}
