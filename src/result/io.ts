/**
 * Reading and writing result files. Writes are atomic (temp file in the same directory, fsync,
 * rename), so a crash or Ctrl-C never leaves a truncated result behind.
 */
import { constants, existsSync } from 'node:fs';
import { access, mkdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { CommbenchError, errnoCode } from '../errors.js';
import { decodeHistogram } from '../metrics/histogram.js';
import { renderJson } from './json.js';
import { schemaVersion } from './types.js';
import type { Result } from './types.js';
import { claimFreeName, claimOutput, replaceablePath, writeFileAtomic, type OutputClaim } from './write.js';

/**
 * Writes `result` to `path` atomically (see writeFileAtomic in ./write.ts): creates the directory,
 * replaces only a regular file (E_USAGE for a device, FIFO or socket), never leaves a partial file.
 */
export async function writeResultAtomic(path: string, result: Result): Promise<void> {
  await writeFileAtomic(path, renderJson(result));
}

/**
 * Reads and checks a result file. Throws CommbenchError 'E_RESULT_INVALID' (with a hint) when the
 * file is missing or unreadable, is not JSON, is not a commbench result, has another
 * `schemaVersion`, or lacks the fields every reader relies on (all such problems listed at once in
 * `details`). Only the top-level structure is checked, not every measurement. The result is as
 * stored: one of schemaVersion 1 lacks verdicts; the CLI reads through src/cli/read-result.ts,
 * which fills them in.
 */
export async function readResultFile(path: string): Promise<Result> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    throw new CommbenchError(
      'E_RESULT_INVALID',
      code === 'ENOENT'
        ? `no result file at ${path}`
        : `cannot read result file ${path} (${code ?? String(err)})`,
      {
        hint:
          code === 'ENOENT'
            ? '`commbench run` writes results to results/<scenario>-<YYYYMMDD-HHMMSS>.json; check the path'
            : 'check that the path is a readable file',
        cause: err,
      },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CommbenchError('E_RESULT_INVALID', `${path} is not valid JSON: ${(err as Error).message}`, {
      hint: 'the file is damaged or is not a commbench result (commbench writes results atomically, never partially)',
      cause: err,
    });
  }
  return checkResultData(data, path);
}

/** Checks parsed JSON for the structure of a Result; see readResultFile for the errors. */
export function checkResultData(data: unknown, source: string): Result {
  if (!isObject(data) || !isObject(data.tool) || data.tool.name !== 'commbench') {
    throw new CommbenchError('E_RESULT_INVALID', `${source} is not a commbench result`, {
      hint: 'pass a file written by `commbench run` (it has "tool": { "name": "commbench" })',
    });
  }
  const version = data.schemaVersion;
  if (version !== schemaVersion && version !== 1) {
    const newer = typeof version === 'number' && version > schemaVersion;
    const writer =
      typeof data.tool.version === 'string' ? `commbench ${data.tool.version}` : 'another commbench';
    throw new CommbenchError(
      'E_RESULT_INVALID',
      `${source} has schemaVersion ${JSON.stringify(version)}; this commbench reads schemaVersion 1 to ${schemaVersion}`,
      {
        hint: newer
          ? `it was written by ${writer}, which is newer: upgrade commbench to read it`
          : `it was written by ${writer}: re-run the scenario with this version, or read it with the version that wrote it`,
      },
    );
  }
  const problems: string[] = [];
  const need = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  need(typeof data.startedAt === 'string', '"startedAt" must be a string');
  need(typeof data.finishedAt === 'string', '"finishedAt" must be a string');
  need(isObject(data.environment), '"environment" must be an object');
  need(isObject(data.plan) && Array.isArray(data.plan.cases), '"plan.cases" must be an array');
  need(
    ['completed', 'interrupted', 'failed'].includes(String(data.endReason)),
    '"endReason" must be completed, interrupted or failed',
  );
  if (!Array.isArray(data.cases)) {
    problems.push('"cases" must be an array');
  } else {
    data.cases.forEach((c: unknown, i) => {
      if (!isObject(c) || !isObject(c.spec) || typeof c.spec.id !== 'string')
        problems.push(`cases[${i}].spec.id is missing`);
      else if (typeof c.status !== 'string') problems.push(`cases[${i}].status is missing`);
      else if (!Array.isArray(c.repetitions)) problems.push(`cases[${i}].repetitions must be an array`);
    });
  }
  if (problems.length === 0) problems.push(...histogramProblems(data.cases as unknown[]));
  if (problems.length > 0) {
    throw new CommbenchError('E_RESULT_INVALID', `${source} is not a valid commbench result`, {
      hint: 'the file was edited or damaged; re-run the scenario to get a fresh result',
      details: problems,
    });
  }
  return data as unknown as Result;
}

function decodeProblem(encoded: unknown): string | undefined {
  if (typeof encoded !== 'string') return 'missing';
  try {
    decodeHistogram(encoded);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The encoded histograms of one measurement, by where they sit in it (e.g. 'delivery.latency'). */
function encodedHistograms(m: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  const summary = (at: string, v: unknown): void => {
    if (v !== undefined) out.push([at, isObject(v) ? v.encoded : v]);
  };
  for (const key of ['latency', 'service', 'failedLatency']) summary(key, m[key]);
  if (isObject(m.backlog) && m.backlog.encoded !== undefined) out.push(['backlog', m.backlog.encoded]);
  if (isObject(m.delivery)) {
    for (const key of ['latency', 'skew', 'jitter', 'subscribe', 'reconnect'])
      summary(`delivery.${key}`, m.delivery[key]);
  }
  return out;
}

/**
 * Every encoded histogram of every case that does not decode (damaged or edited), one line each
 * naming the case: reports, compare and merge decode them, and must not fail half-way.
 */
function histogramProblems(cases: readonly unknown[]): string[] {
  const problems: string[] = [];
  cases.forEach((c, i) => {
    if (!isObject(c) || !isObject(c.spec)) return;
    const name = `case ${JSON.stringify(c.spec.id)} (cases[${i}])`;
    const measurements: [string, unknown][] = [
      ...(c.summary === undefined ? [] : [['summary', c.summary] as [string, unknown]]),
      ...(c.repetitions as unknown[]).map((r, k) => [`repetitions[${k}]`, r] as [string, unknown]),
    ];
    for (const [at, m] of measurements) {
      if (!isObject(m)) {
        problems.push(`${name}: ${at} must be an object`);
        continue;
      }
      for (const [field, encoded] of encodedHistograms(m)) {
        const why = decodeProblem(encoded);
        if (why !== undefined)
          problems.push(`${name}: ${at}.${field}: not a valid encoded histogram (${why})`);
      }
    }
  });
  return problems;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `<dir>/<scenario>-<YYYYMMDD-HHMMSS>.json` in local time. The scenario name is made safe for a
 * file name: anything but letters, digits, '.', '_' and '-' becomes '-', runs collapse, at most
 * 80 characters; an empty name becomes 'result'.
 */
export function defaultResultPath(dir: string, scenarioName: string, date: Date = new Date()): string {
  for (let n = 1; ; n++) {
    const path = numberedResultPath(dir, scenarioName, date, n);
    if (!existsSync(path)) return path;
  }
}

/** The n-th name for a result of `scenarioName` at `date` in `dir`: n = 1 has no suffix, then '-2', '-3'… */
export function numberedResultPath(dir: string, scenarioName: string, date: Date, n: number): string {
  const safe =
    scenarioName
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 80) || 'result';
  const p = (k: number): string => String(k).padStart(2, '0');
  const stamp =
    `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-` +
    `${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
  return join(dir, `${safe}-${stamp}${n > 1 ? `-${n}` : ''}.json`);
}

/** True when `out` names a folder: it ends with a path separator or is an existing directory. */
async function namesFolder(out: string): Promise<boolean> {
  if (/[\\/]$/.test(out)) return true;
  try {
    return (await stat(out)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Makes sure files can be written in `dir` (creating it), before anything is run or rendered.
 * Throws E_USAGE naming `flag` when the folder cannot be created or written.
 */
export async function ensureWritableDir(dir: string, flag: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    const code = errnoCode(err) ?? String(err);
    throw new CommbenchError('E_USAGE', `${flag}: cannot write files in ${dir} (${code})`, {
      hint:
        code === 'ENOTDIR' || code === 'EEXIST'
          ? 'a part of that path is a file, not a folder: choose another path'
          : 'choose a folder you can write to',
      cause: err,
    });
  }
}

/**
 * Where a file named by an --out flag goes, checked before the work that produces it. An existing
 * folder, or a path ending in '/', means a file inside it named by `nameIn(folder)`; the folder is
 * created. Throws E_USAGE when the path is an existing folder's name for the file itself, or its
 * folder cannot be created or written.
 */
export async function resolveOutPath(
  out: string,
  nameIn: (folder: string) => string,
  flag = '--out',
): Promise<string> {
  const abs = resolve(out);
  const path = (await namesFolder(out)) ? resolve(nameIn(abs)) : abs;
  await ensureWritableDir(dirname(path), flag);
  if (await namesFolder(path)) {
    throw new CommbenchError('E_USAGE', `${flag} ${out}: ${path} is a folder`, {
      hint: 'give a file name, or a folder to write a new file in',
    });
  }
  await replaceablePath(path, flag);
  return path;
}

/**
 * resolveOutPath, then the name claimed for the whole run (O_EXCL lock beside it, see ./write.ts):
 * a folder gets the first free `nameIn(folder, n)` (n = 1, 2, …), so runs started in the same second
 * get different names; a file name is claimed as given. Throws E_USAGE when another live run holds
 * that file, or it is a device, FIFO or socket. The caller releases the claim after writing.
 */
export async function claimOutPath(
  out: string,
  nameIn: (folder: string, n: number) => string,
  flag = '--out',
): Promise<OutputClaim> {
  if (await namesFolder(out)) {
    const dir = resolve(out);
    await ensureWritableDir(dir, flag);
    return claimFreeName((n) => resolve(nameIn(dir, n)));
  }
  return claimOutput(await resolveOutPath(out, (folder) => nameIn(folder, 1), flag), flag);
}

/** The folder `out` names (created), or undefined when it names a file. See resolveOutPath. */
export async function outFolder(out: string, flag = '--out'): Promise<string | undefined> {
  if (!(await namesFolder(out))) return undefined;
  const dir = resolve(out);
  await ensureWritableDir(dir, flag);
  return dir;
}

/** A CommbenchError for a file that could not be written. */
export function outputError(path: string, err: unknown): CommbenchError {
  if (err instanceof CommbenchError) return err;
  return new CommbenchError('E_OUTPUT', `cannot write ${path} (${errnoCode(err) ?? String(err)})`, {
    hint: 'check that the folder exists and is writable and that no folder has that name',
    cause: err,
  });
}

/**
 * Writes a measured result where asked; when that fails (disk full, folder removed or made
 * read-only during the run), into ./results/ and then the system temp folder, so a run is never
 * lost. Returns the path written and, when it is a fallback, why the asked path failed.
 */
export async function writeResultSafely(
  path: string,
  result: Result,
  fallbackDirs: readonly string[] = [resolve('results'), tmpdir()],
): Promise<{ path: string; failed?: CommbenchError }> {
  try {
    await writeResultAtomic(path, result);
    return { path };
  } catch (err) {
    const failed = outputError(path, err);
    for (const dir of fallbackDirs) {
      const fallback = join(dir, basename(path).replace(/\.json$/i, '') + '.json');
      const target = existsSync(fallback) ? defaultResultPath(dir, `${result.plan.name}-rescued`) : fallback;
      if (resolve(target) === resolve(path)) continue;
      try {
        await writeResultAtomic(target, result);
        return { path: target, failed };
      } catch {
        // try the next folder
      }
    }
    throw failed;
  }
}
