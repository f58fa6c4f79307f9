/**
 * Command-line overrides of a scenario (`commbench run NAME --duration 2s --payload 64 ...`).
 */
import { impliedModel } from '../engine/load/registry.js';
import { didYouMean } from '../suggest.js';
import { CommbenchError, hintForFlags } from '../errors.js';
import { isPatternName, patternNames, type PatternName } from '../patterns/registry.js';
import type { z } from 'zod';
import type { OverrideLayer } from './expand.js';
import { issuesToProblems } from './problems.js';
import {
  Connections,
  PacingField,
  PayloadSize,
  Rate,
  Repeat,
  Target,
  Timeout,
  Warmup,
  WindowDuration,
  Workers,
  Processes,
  type Fields,
  type MatrixKey,
} from './schema.js';

/**
 * The warning for a duration written as a bare number (milliseconds), or undefined. `0` is fine.
 */
export function bareDurationWarning(raw: unknown): string | undefined {
  const n =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw)
        ? Number(raw)
        : NaN;
  if (!Number.isFinite(n) || n === 0) return undefined;
  return `a bare number means milliseconds (${n}ms); write '${n}ms' to keep it, or '${n}s' for seconds`;
}

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
  /** --processes: driver processes, a number or 'auto'. */
  readonly processes?: string | number;
  /** --pacing: auto | spin | sleep. */
  readonly pacing?: string;
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

/** Each flag's value parses with the schema of the file field it replaces: one set of units and bounds. */
const flagSchemas = {
  duration: WindowDuration,
  warmup: Warmup,
  timeout: Timeout,
  connections: Connections,
  rate: Rate,
  payload: PayloadSize,
  repeat: Repeat,
  workers: Workers,
  processes: Processes,
  pacing: PacingField,
} satisfies Record<string, z.ZodType>;
type Flag = keyof typeof flagSchemas;

/** A number typed on the command line is a number in the file too ('10' → 10, '1e3' → 1000). */
const numeric = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Flags whose value is a duration: a bare number there means milliseconds, which gets a warning. */
const durationFlags = new Set<Flag>(['duration', 'warmup', 'timeout']);

/**
 * Parses and checks every override; throws E_USAGE listing all problems at once. `warn` receives
 * one line per value that is valid but probably not what was meant (a bare-number duration).
 */
export function parseOverrides(o: Overrides, warn?: (line: string) => void): ParsedOverrides {
  const problems: string[] = [];
  function get<F extends Flag>(flag: F): z.output<(typeof flagSchemas)[F]> | undefined {
    const raw = o[flag];
    if (raw === undefined) return undefined;
    const schema = flagSchemas[flag] as z.ZodType;
    const input =
      typeof raw === 'string' && numeric.test(raw) && !durationFlags.has(flag) ? Number(raw) : raw;
    const r = schema.safeParse(input, { reportInput: true });
    if (!r.success) {
      for (const p of issuesToProblems(r.error.issues, schema, input))
        problems.push(`--${flag} ${show(raw)}: ${p.message}`);
      return undefined;
    }
    if (durationFlags.has(flag)) {
      const bare = bareDurationWarning(raw);
      if (bare) warn?.(`--${flag} ${raw}: ${bare}`);
    }
    return r.data as z.output<(typeof flagSchemas)[F]>;
  }
  const duration = get('duration');
  const warmup = get('warmup');
  const timeout = get('timeout');
  const connections = get('connections');
  const rate = get('rate');
  const size = get('payload');
  const repeat = get('repeat');
  const workers = get('workers');
  const processes = get('processes');
  const pacing = get('pacing');

  let patterns: PatternName[] | undefined;
  if (o.pattern !== undefined) {
    patterns = [];
    for (const name of o.pattern
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (isPatternName(name)) patterns.push(name);
      else
        problems.push(
          `--pattern: unknown pattern '${name}'${didYouMean(name, patternNames)}; valid: ${patternNames.join(', ')}`,
        );
    }
    if (patterns.length === 0 && problems.length === 0) problems.push('--pattern: no pattern given');
  }

  const targets: Partial<Record<PatternName, string>> = {};
  for (const [name, url] of Object.entries(o.target ?? {})) {
    if (name === '') {
      problems.push(`--target ${url}: expected pattern=url, e.g. rest=http://127.0.0.1:8080`);
    } else if (!isPatternName(name)) {
      problems.push(
        `--target ${name}=${url}: unknown pattern '${name}'${didYouMean(name, patternNames)}; valid: ${patternNames.join(', ')}`,
      );
    } else if (!Target.safeParse(url).success) {
      problems.push(
        `--target ${name}=${url}: ${Target.safeParse(url).error?.issues[0]?.message ?? 'invalid URL'}`,
      );
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
    ...(processes === undefined ? {} : { processes }),
    ...(pacing === undefined ? {} : { pacing }),
    ...(connections === undefined && rate === undefined
      ? {}
      : {
          load: {
            ...(connections === undefined ? {} : { connections }),
            ...(rate === undefined ? {} : { model: impliedModel({ rate }), rate }),
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
