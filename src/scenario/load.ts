/**
 * Loading a scenario: built-in name or file → validated, expanded Plan.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CommbenchError, errnoCode } from '../errors.js';
import { packageRoot } from '../paths.js';
import { isPatternName, loadPattern, type PatternName } from '../patterns/registry.js';
import { requestProblems } from '../patterns/request/check.js';
import { resolveRequestPaths } from '../patterns/request/paths.js';
import type { RequestSpec } from '../patterns/request/schema.js';
import { assignIds, expandScenario } from './expand.js';
import { parseOverrides, type Overrides, type ParsedOverrides } from './overrides.js';
import { issuesToProblems, ScenarioSource, suggest, type Path, type Problem } from './problems.js';
import { ScenarioSchema } from './schema.js';
import type { Plan } from './types.js';

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
export async function loadPlan(nameOrPath: string, overrides?: Overrides): Promise<Plan> {
  const parsed = overrides ? parseOverrides(overrides) : undefined;
  const location = await resolveScenario(nameOrPath);
  let text: string;
  try {
    text = await readFile(location.path, 'utf8');
  } catch (err) {
    throw new CommbenchError(
      'E_SCENARIO_NOT_FOUND',
      `cannot read ${location.path}: ${errnoCode(err) ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
  const file = location.source.startsWith('builtin:') ? displayPath(location.path) : location.source;
  return planFromText(text, { file, source: location.source, defaultName: location.defaultName }, parsed);
}

/**
 * The same as loadPlan for text already in memory (YAML or JSON). `file` is how the file is
 * named in messages.
 */
export async function planFromText(
  text: string,
  where: { file: string; source?: string; defaultName?: string },
  overrides?: ParsedOverrides,
): Promise<Plan> {
  const src = new ScenarioSource(where.file, text);
  const fail = (lines: string[]): never => {
    throw new CommbenchError(
      'E_SCENARIO_INVALID',
      `${where.file}: ${lines.length} problem${lines.length === 1 ? '' : 's'}`,
      { details: lines, hint: invalidHint },
    );
  };
  if (src.syntaxErrors.length > 0) fail(src.syntaxErrors.map((e) => e.text));

  let raw: unknown;
  try {
    raw = src.value();
  } catch (err) {
    fail([`${where.file}:1:1: ${err instanceof Error ? err.message : String(err)}`]);
  }
  if (raw === null || raw === undefined) {
    fail([`${where.file}:1:1: the file is empty; a scenario needs at least defaults.pattern or a matrix`]);
  }

  const result = ScenarioSchema.safeParse(raw, { reportInput: true });
  const problems: Problem[] = result.success
    ? []
    : issuesToProblems(result.error.issues, ScenarioSchema, raw);
  problems.push(...(await checkPatternOptions(raw)));
  if (!result.success || problems.length > 0) fail(src.locateAll(problems).map((p) => p.text));
  const scenario = result.data!;

  const matrixOrder = Object.keys((raw as { matrix?: object }).matrix ?? {});
  const expanded = expandScenario(scenario, { matrixOrder, ...(overrides ? { overrides } : {}) });
  if (expanded.problems.length > 0) fail(src.locateAll(expanded.problems).map((p) => p.text));

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
      return target === undefined ? c : { ...c, spec: { ...c.spec, target } };
    });
  }

  cases = withAbsoluteRequestPaths(cases, dirname(resolve(where.file)));
  const withIds = assignIds(cases);
  const requestIssues = withIds.flatMap((c) =>
    c.request ? requestProblems(c.pattern, c.request).map((p) => `${where.file}: case '${c.id}': ${p}`) : [],
  );
  if (requestIssues.length > 0) fail([...new Set(requestIssues)]);

  return {
    name: scenario.name ?? where.defaultName ?? basename(where.file, extname(where.file)),
    description: scenario.description?.trim() ?? '',
    source: where.source ?? where.file,
    cases: withIds,
  };
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
