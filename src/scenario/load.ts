/**
 * Loading a scenario: built-in name or file → validated, expanded Plan.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CommbenchError, errnoCode } from '../errors.js';
import { packageRoot } from '../paths.js';
import {
  casePushes,
  isPatternName,
  loadPattern,
  patternInfo,
  type PatternName,
} from '../patterns/registry.js';
import { formatBytes } from '../units.js';
import { assignIds, estimatePlanMs, expandScenario, problemAt, type ResolvedCase } from './expand.js';
import { bounds, machineLimits, planTimeProblem, type MachineLimits } from './limits.js';
import { bareDurationWarning, parseOverrides, type Overrides, type ParsedOverrides } from './overrides.js';
import { requestProblems } from '../toolkit/request/check.js';
import { resolveRequestPaths } from '../toolkit/request/paths.js';
import type { RequestSpec } from '../plan/request.js';
import { issuesToProblems, ScenarioSource, suggest, type Path, type Problem } from './problems.js';
import { ScenarioSchema, targetProblem } from './schema.js';
import type { Plan } from '../plan/types.js';

/** How loading may be tuned (tests pass fixed limits). */
export interface LoadOptions {
  /** Receives one line per value that is valid but probably not meant (a bare-number duration). */
  readonly warn?: (line: string) => void;
  /** What the cases are checked against (default: this machine's limits). */
  readonly limits?: MachineLimits;
}

/** Folder of the built-in scenarios (shipped in the package). */
export const builtinDir = join(packageRoot(), 'scenarios');

const invalidHint =
  'each line is file:line:column: where: what. The format is described in scenarios/README.md; ' +
  'point your editor at scenarios/schema.json for completion';

/** Built-in scenarios (scenarios/*.yaml), sorted by name, for `commbench list`. */
export async function listBuiltinScenarios(): Promise<{ name: string; description: string }[]> {
  const files = (await readdir(builtinDir)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(
    files.map(async (f) => {
      let description = '';
      try {
        const doc: unknown = parseYaml(await readFile(join(builtinDir, f), 'utf8'));
        const d =
          typeof doc === 'object' && doc !== null
            ? (doc as { description?: unknown }).description
            : undefined;
        if (typeof d === 'string') description = d.trim();
      } catch {
        description = '(unreadable)';
      }
      return { name: basename(f, '.yaml'), description };
    }),
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** How a file is shown in messages: relative to the working directory when inside it. */
function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

export interface ScenarioLocation {
  /** Absolute path of the file. */
  readonly path: string;
  /** Plan.source: the path as shown, or 'builtin:<name>'. */
  readonly source: string;
  /** Scenario name when the file has none: the file's base name. */
  readonly defaultName: string;
}

/**
 * A built-in name ('smoke') or a path ('./my.yaml'). Anything with a slash or a .yaml/.yml/.json
 * extension is a path; otherwise a built-in of that name, else a file of that name.
 */
export async function resolveScenario(nameOrPath: string): Promise<ScenarioLocation> {
  const looksLikePath = /[\\/]/.test(nameOrPath) || /\.(ya?ml|json)$/i.test(nameOrPath);
  if (!looksLikePath) {
    const builtin = join(builtinDir, `${nameOrPath}.yaml`);
    if (await isFile(builtin))
      return { path: builtin, source: `builtin:${nameOrPath}`, defaultName: nameOrPath };
  }
  const path = resolve(nameOrPath);
  if (await isFile(path)) {
    return { path, source: displayPath(path), defaultName: basename(path, extname(path)) };
  }
  const builtins = (await listBuiltinScenarios()).map((b) => b.name);
  throw new CommbenchError('E_SCENARIO_NOT_FOUND', `scenario '${nameOrPath}' not found`, {
    hint:
      `${looksLikePath ? `no file at ${path}. ` : `no built-in of that name${suggest(nameOrPath, builtins)}. `}` +
      `Built-in scenarios: ${builtins.join(', ')}; or give the path of a .yaml or .json file`,
  });
}

/**
 * Loads, validates and expands a scenario. Every problem in the file is reported at once as one
 * CommbenchError('E_SCENARIO_INVALID') whose details are 'file:line:column: where: message' lines;
 * invalid overrides throw E_USAGE; a missing file or unknown name E_SCENARIO_NOT_FOUND.
 */
export async function loadPlan(
  nameOrPath: string,
  overrides?: Overrides,
  opts: LoadOptions = {},
): Promise<Plan> {
  const parsed = overrides ? parseOverrides(overrides, opts.warn) : undefined;
  const location = await resolveScenario(nameOrPath);
  let text: string;
  try {
    const { size } = await stat(location.path);
    if (size > bounds.fileBytes) throw tooLarge(displayPath(location.path), size);
    text = await readFile(location.path, 'utf8');
  } catch (err) {
    if (err instanceof CommbenchError) throw err;
    throw new CommbenchError(
      'E_SCENARIO_NOT_FOUND',
      `cannot read ${location.path}: ${errnoCode(err) ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
  const file = location.source.startsWith('builtin:') ? displayPath(location.path) : location.source;
  return planFromText(
    text,
    { file, source: location.source, defaultName: location.defaultName },
    parsed,
    opts,
  );
}

function tooLarge(file: string, bytes: number): CommbenchError {
  return new CommbenchError(
    'E_SCENARIO_INVALID',
    `${file}: ${formatBytes(bytes)} is too large for a scenario file (at most ${formatBytes(bounds.fileBytes)})`,
    {
      hint: 'a scenario describes cases, it holds no data: use a matrix instead of listing every case (scenarios/README.md)',
    },
  );
}

/** Durations a bare number may be written for, by their place in a level (defaults or a case). */
const durationKeys: Path[] = [['duration'], ['warmup'], ['timeout'], ['server', 'delay']];

/** Warnings for every duration written as a bare number (milliseconds), located. */
function bareDurationWarnings(raw: unknown, src: ScenarioSource): string[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const r = raw as { defaults?: unknown; cases?: unknown; matrix?: unknown };
  const found: Problem[] = [];
  const levels: [Path, unknown][] = [[['defaults'], r.defaults]];
  if (Array.isArray(r.cases)) r.cases.forEach((c, i) => levels.push([['cases', i], c]));
  for (const [at, level] of levels) {
    for (const key of durationKeys) {
      let v: unknown = level;
      for (const k of key)
        v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
      const message = typeof v === 'number' ? bareDurationWarning(v) : undefined;
      if (message) found.push({ path: [...at, ...key], message });
    }
  }
  const delays = (r.matrix as Record<string, unknown> | undefined)?.['server.delay'];
  if (Array.isArray(delays)) {
    delays.forEach((v, i) => {
      const message = typeof v === 'number' ? bareDurationWarning(v) : undefined;
      if (message) found.push({ path: ['matrix', 'server.delay', i], message });
    });
  }
  return src.locateAll(found).map((p) => `warning: ${p.text}`);
}

/**
 * The same as loadPlan for text already in memory (YAML or JSON). `file` is how the file is
 * named in messages.
 */
export async function planFromText(
  text: string,
  where: { file: string; source?: string; defaultName?: string },
  overrides?: ParsedOverrides,
  opts: LoadOptions = {},
): Promise<Plan> {
  if (text.length > bounds.fileBytes) throw tooLarge(where.file, Buffer.byteLength(text));
  try {
    return await planFromTextUnchecked(text, where, overrides, opts);
  } catch (err) {
    // yaml's composer, toJS and zod all recurse: a file nested thousands deep overflows the stack.
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new CommbenchError(
        'E_SCENARIO_INVALID',
        `${where.file}: nested too deeply to read (the parser ran out of stack)`,
        {
          hint: 'a scenario is a few levels deep (defaults.load.connections); look for runaway [ or { brackets',
          cause: err,
        },
      );
    }
    throw err;
  }
}

async function planFromTextUnchecked(
  text: string,
  where: { file: string; source?: string; defaultName?: string },
  overrides: ParsedOverrides | undefined,
  opts: LoadOptions,
): Promise<Plan> {
  const src = new ScenarioSource(where.file, text);
  const fail = (lines: string[]): never => {
    throw new CommbenchError(
      'E_SCENARIO_INVALID',
      `${where.file}: ${lines.length} problem${lines.length === 1 ? '' : 's'}`,
      { details: lines, hint: invalidHint },
    );
  };

  // A syntax error leaves a partial document (yaml keeps what it could read): its schema problems
  // are reported too, so one run of validate shows everything.
  const syntax = src.syntaxErrors;
  if (syntax.some((e) => /call stack/i.test(e.text)))
    throw new RangeError('Maximum call stack size exceeded');
  let raw: unknown;
  try {
    raw = src.value();
  } catch (err) {
    if (err instanceof RangeError) throw err;
    fail([
      ...syntax.map((e) => e.text),
      `${where.file}:1:1: ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
  if (raw === null || raw === undefined) {
    if (syntax.length > 0) fail(syntax.map((e) => e.text));
    fail([`${where.file}:1:1: the file is empty; a scenario needs at least defaults.pattern or a matrix`]);
  }

  const result = ScenarioSchema.safeParse(raw, { reportInput: true });
  const problems: Problem[] = result.success
    ? []
    : issuesToProblems(result.error.issues, ScenarioSchema, raw);
  problems.push(...(await checkPatternOptions(raw)));
  if (!result.success) problems.push(...checkWrittenTargets(raw));
  if (syntax.length > 0 || !result.success || problems.length > 0) {
    const located = src.locateAll(problems);
    fail(
      [...syntax, ...located]
        .sort((a, b) => a.line - b.line || a.column - b.column)
        .map((p) => p.text)
        .filter((t, i, all) => all.indexOf(t) === i),
    );
  }
  const scenario = result.data!;
  for (const w of bareDurationWarnings(raw, src)) opts.warn?.(w);

  const matrixOrder = Object.keys((raw as { matrix?: object }).matrix ?? {});
  const expanded = expandScenario(scenario, {
    matrixOrder,
    limits: opts.limits ?? machineLimits(),
    ...(overrides ? { overrides } : {}),
  });
  failOnFlags(expanded.problems);

  let cases = expanded.cases;
  const inFile = [...new Set(cases.map((c) => c.spec.pattern))];
  if (overrides?.patterns) {
    const keep = new Set<string>(overrides.patterns);
    cases = cases.filter((c) => keep.has(c.spec.pattern));
    if (cases.length === 0) {
      throw new CommbenchError(
        'E_USAGE',
        `--pattern ${overrides.patterns.join(',')}: no case of the scenario left`,
        {
          hint: `the scenario has cases for: ${inFile.join(', ')}`,
        },
      );
    }
  }
  const targets = Object.entries(overrides?.targets ?? {});
  if (targets.length > 0) {
    const present = new Set(cases.map((c) => c.spec.pattern));
    const unused = targets.filter(([p]) => !present.has(p));
    if (unused.length > 0) {
      throw new CommbenchError(
        'E_USAGE',
        `--target ${unused.map(([p]) => p).join(', ')}: no case of that pattern`,
        {
          hint: `the plan has cases for: ${[...present].join(', ')}`,
        },
      );
    }
    const byPattern = new Map(targets);
    cases = cases.map((c) => {
      const target = byPattern.get(c.spec.pattern);
      return target === undefined
        ? c
        : { ...c, spec: { ...c.spec, target }, targetFrom: { flag: `--target ${c.spec.pattern}=${target}` } };
    });
  }
  const targetProblems = [...checkTargets(cases), ...(await checkPushWorkers(cases))];
  failOnFlags(targetProblems);
  const fileProblems = [...expanded.problems, ...targetProblems];

  const specs = assignIds(cases);
  const tooLong = planTimeProblem(estimatePlanMs({ cases: specs }), specs.length);
  if (tooLong) {
    const byFlags =
      overrides !== undefined &&
      (overrides.fields.duration !== undefined ||
        overrides.fields.warmup !== undefined ||
        overrides.fields.repeat !== undefined);
    if (byFlags)
      throw new CommbenchError('E_USAGE', tooLong, { hint: 'see --duration, --warmup and --repeat' });
    fileProblems.push({ path: [], message: tooLong });
  }
  if (fileProblems.length > 0) fail(src.locateAll(fileProblems).map((p) => p.text));

  cases = withAbsoluteRequestPaths(cases, dirname(resolve(where.file)));
  const withIds = assignIds(cases);
  const requestIssues = withIds.flatMap((c) =>
    c.request ? requestProblems(c.pattern, c.request).map((p) => `${where.file}: case '${c.id}': ${p}`) : [],
  );
  if (requestIssues.length > 0) fail([...new Set(requestIssues)]);

  return {
    name: scenario.name ?? where.defaultName ?? basename(where.file, extname(where.file)),
    description: scenario.description?.trim() ?? '',
    ...(scenario.question === undefined ? {} : { question: scenario.question.trim() }),
    ...(scenario.baseline === undefined ? {} : { baseline: scenario.baseline }),
    ...(scenario.thresholds === undefined ? {} : { thresholds: scenario.thresholds }),
    source: where.source ?? where.file,
    cases: withIds,
  };
}

/** Problems a command-line flag caused are usage errors (exit 2) naming the flag, not file lines. */
function failOnFlags(problems: readonly Problem[]): void {
  const lines = problems.filter((p) => p.flag !== undefined).map((p) => `${p.flag}: ${p.message}`);
  if (lines.length === 0) return;
  throw new CommbenchError('E_USAGE', `invalid option${lines.length > 1 ? 's' : ''}`, {
    details: [...new Set(lines)],
    hint: 'see commbench run --help and the bounds in scenarios/README.md',
  });
}

/**
 * While the schema has other problems (so nothing is expanded), targets written next to their
 * pattern (in a case, or in defaults) are checked for their scheme anyway: all problems at once.
 */
function checkWrittenTargets(raw: unknown): Problem[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const r = raw as { defaults?: unknown; cases?: unknown };
  const field = (level: unknown, key: string): unknown =>
    typeof level === 'object' && level !== null ? (level as Record<string, unknown>)[key] : undefined;
  const levels: [Path, unknown][] = [[['defaults'], r.defaults]];
  if (Array.isArray(r.cases)) r.cases.forEach((c, i) => levels.push([['cases', i], c]));
  const problems: Problem[] = [];
  for (const [at, level] of levels) {
    const target = field(level, 'target');
    const pattern = field(level, 'pattern') ?? field(r.defaults, 'pattern');
    if (typeof target !== 'string' || typeof pattern !== 'string' || !isPatternName(pattern)) continue;
    const message = targetProblem(target, patternInfo(pattern).scheme);
    if (message && !message.startsWith('invalid URL'))
      problems.push({ path: [...at, 'target'], message: `${pattern}: ${message}` });
  }
  return problems;
}

/** Every case's target must use a scheme its pattern speaks (rest: http(s)://, grpc: grpc://, ...). */
function checkTargets(cases: readonly ResolvedCase[]): Problem[] {
  const problems: Problem[] = [];
  for (const c of cases) {
    if (c.spec.target === undefined || !isPatternName(c.spec.pattern)) continue;
    const message = targetProblem(c.spec.target, patternInfo(c.spec.pattern).scheme);
    if (message === undefined) continue;
    problems.push(problemAt(c.targetFrom ?? { builtin: true }, [], `${c.spec.pattern}: ${message}`));
  }
  return problems;
}

/**
 * Push and queue patterns run publisher and subscribers in one thread (one clock): more workers
 * would be silently ignored while the table showed them, so they are refused.
 */
async function checkPushWorkers(cases: readonly ResolvedCase[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const c of cases) {
    if (c.spec.workers <= 1) continue;
    // An unknown pattern or invalid options are problems of their own, found elsewhere.
    if (!(await casePushes(c.spec).catch(() => false))) continue;
    problems.push(
      problemAt(
        c.workersFrom ?? { builtin: true },
        [],
        `${c.spec.workers} workers for ${c.spec.pattern}: push and queue patterns run publisher and subscribers in one thread (one clock), so workers must be 1`,
      ),
    );
  }
  return problems;
}

/** Files a `request` block names are relative to the scenario file (command-line ones arrive absolute). */
function withAbsoluteRequestPaths<T extends { spec: { request?: RequestSpec } }>(
  cases: T[],
  baseDir: string,
): T[] {
  return cases.map((c) =>
    c.spec.request ? { ...c, spec: { ...c.spec, request: resolveRequestPaths(c.spec.request, baseDir) } } : c,
  );
}

/** Checks every `options.<pattern>` block (defaults and cases) against that pattern's own schema. */
async function checkPatternOptions(raw: unknown): Promise<Problem[]> {
  if (typeof raw !== 'object' || raw === null) return [];
  const r = raw as { defaults?: unknown; cases?: unknown };
  const levels: [Path, unknown][] = [[['defaults'], r.defaults]];
  if (Array.isArray(r.cases)) r.cases.forEach((c, i) => levels.push([['cases', i], c]));
  const problems: Problem[] = [];
  for (const [path, level] of levels) {
    if (typeof level !== 'object' || level === null) continue;
    const options = (level as { options?: unknown }).options;
    if (typeof options !== 'object' || options === null || Array.isArray(options)) continue;
    for (const [name, block] of Object.entries(options)) {
      if (!isPatternName(name) || typeof block !== 'object' || block === null || Array.isArray(block))
        continue;
      const at: Path = [...path, 'options', name];
      problems.push(...(await checkOptionsBlock(name, block, at)));
    }
  }
  return problems;
}

async function checkOptionsBlock(name: PatternName, block: object, at: Path): Promise<Problem[]> {
  let schema;
  try {
    schema = (await loadPattern(name)).options;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return [
      {
        path: at,
        at: 'key',
        message: `cannot check these options: pattern '${name}' failed to load (${why})`,
      },
    ];
  }
  const result = schema.safeParse(block, { reportInput: true });
  return result.success ? [] : issuesToProblems(result.error.issues, schema, block, at);
}
