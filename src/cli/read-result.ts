/**
 * The CLI's read path for result files: src/result/io.ts checks a file's structure, and this
 * module fills in what results written by older versions lack (the verdict, `loadInfo`) from
 * the engine's rules, so every reader (report, compare, check, claims, merge) sees the current
 * shape. result/ stays below the engine: it never decides a verdict itself.
 */
import { describeLoad } from '../engine/load/registry.js';
import { mergeVerdicts, verdictForLoad } from '../engine/verdict.js';
import type { CaseSpec, LoadSpec } from '../plan/types.js';
import { checkResultData, readResultFile } from '../result/io.js';
import { schemaVersion } from '../result/types.js';
import type { BacklogMetrics, CaseResult, Measurement, Result, WindowFigures } from '../result/types.js';

/** Reads, checks and brings up to date a result file (errors: see readResultFile). */
export async function readResult(path: string): Promise<Result> {
  return upgradeResult(await readResultFile(path));
}

/** Checks parsed JSON for the structure of a Result and brings it up to date. */
export function checkResult(data: unknown, source: string): Result {
  return upgradeResult(checkResultData(data, source));
}

/** A checked result as the current version writes it. */
export function upgradeResult(result: Result): Result {
  return withVerdicts(withLoadInfo(result));
}

/**
 * Results written before windows stored their verdict (schemaVersion 1) get it here, the one place
 * it is computed on read: each repetition's from its stored figures by the same rules as a run
 * (src/engine/verdict.ts), the summary's merged from them. Their driver CPU per operation becomes
 * everything the driver used (version 1 left the pacing out), and the flags version 1 stored in
 * its place (driver.saturated, backlog.serverLimited, their reasons) are dropped.
 */
function withVerdicts(result: Result): Result {
  const judged = (load: LoadSpec, stored: Measurement): Measurement => {
    if ((stored as Partial<Measurement>).verdict) return stored;
    const {
      saturated: _s,
      saturationReasons: _r,
      ...driver
    } = stored.driver as Measurement['driver'] & {
      saturated?: boolean;
      saturationReasons?: readonly string[];
    };
    const m: WindowFigures = {
      ...stored,
      driver: { ...driver, cpuUsPerOp: stored.ops > 0 ? driver.cpuUs / stored.ops : 0 },
      ...(stored.backlog ? { backlog: withoutOldFlags(stored.backlog) } : {}),
    };
    return { ...m, verdict: verdictForLoad(load, m) };
  };
  const cases = result.cases.map((c): CaseResult => {
    const repetitions = c.repetitions.map((m) => judged(c.spec.load, m));
    if (!c.summary || (c.summary as Partial<Measurement>).verdict) return { ...c, repetitions };
    const fromReps = mergeVerdicts(
      repetitions.map((m) => m.verdict),
      repetitions.map((m) => `repetition #${m.repetition + 1}`),
    );
    const summary = judged(c.spec.load, c.summary);
    return { ...c, repetitions, summary: fromReps ? { ...summary, verdict: fromReps } : summary };
  });
  return { ...result, schemaVersion, cases };
}

function withoutOldFlags(b: BacklogMetrics): BacklogMetrics {
  const {
    serverLimited: _l,
    reasons: _r,
    ...rest
  } = b as BacklogMetrics & {
    serverLimited?: boolean;
    reasons?: readonly string[];
  };
  return rest;
}

/** Results written before cases carried `loadInfo` get it from their load (same schemaVersion). */
function withLoadInfo(result: Result): Result {
  const fill = <C extends { spec: CaseSpec }>(c: C): C =>
    (c.spec as Partial<CaseSpec>).loadInfo
      ? c
      : { ...c, spec: { ...c.spec, loadInfo: describeLoad(c.spec.load, c.spec.workers) } };
  const planCases = result.plan.cases.map((spec) => fill({ spec }).spec);
  return { ...result, plan: { ...result.plan, cases: planCases }, cases: result.cases.map(fill) };
}
