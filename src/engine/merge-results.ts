/**
 * `merge A.json B.json ...`: results of the same scenario run at the same time from several load
 * generators (machines or processes) against the same servers, summed into one result: latency
 * histograms merged exactly, operations and throughputs summed, bytes and CPU per operation
 * recomputed from the totals, every environment listed in `mergedFrom`. Repetition i of every input
 * is taken to have run alongside repetition i of the others; a case keeps the repetitions every
 * input has, and its summary is built from exactly those (as `run` builds it from its repetitions).
 */
import { describeLoad, loadDefinition } from './load/registry.js';
import { mergeConcurrent, mergeMeasurements } from './aggregate.js';
import { CommbenchError } from '../errors.js';
import type { CaseResult, CaseStatus, Result } from '../result/types.js';
import type { CaseSpec } from '../plan/types.js';

export interface MergeInput {
  /** The file name, recorded in `mergedFrom`. */
  readonly file: string;
  readonly result: Result;
}

/**
 * Merges results of the same scenario (same plan name and case ids). Throws E_MERGE_MISMATCH,
 * listing every difference, when they are not; E_USAGE with fewer than two inputs. `notes` receives
 * what the merge left out (repetitions only some inputs have), for the CLI to print.
 */
export function mergeResults(inputs: readonly MergeInput[], notes: string[] = []): Result {
  if (inputs.length < 2) {
    throw new CommbenchError('E_USAGE', 'merge needs at least two result files', {
      hint: 'commbench merge a.json b.json --out merged.json',
    });
  }
  const first = inputs[0]!.result;
  const ids = first.plan.cases.map((c) => c.id);
  const problems: string[] = [];
  for (const { file, result } of inputs.slice(1)) {
    if (result.plan.name !== first.plan.name)
      problems.push(`${file}: scenario ${result.plan.name}, not ${first.plan.name}`);
    const theirs = result.plan.cases.map((c) => c.id);
    const missing = ids.filter((id) => !theirs.includes(id));
    const extra = theirs.filter((id) => !ids.includes(id));
    if (missing.length > 0) problems.push(`${file}: lacks case(s) ${missing.join(', ')}`);
    if (extra.length > 0) problems.push(`${file}: has extra case(s) ${extra.join(', ')}`);
  }
  const shards = shardProblems(inputs);
  problems.push(...shards);
  if (problems.length === 0) problems.push(...planProblems(inputs));
  if (problems.length > 0) {
    throw new CommbenchError('E_MERGE_MISMATCH', 'the results are not runs of the same scenario', {
      details: problems,
      hint:
        shards.length > 0
          ? 'merge the results of every shard of one run, each once: shard-0.json … shard-<N-1>.json of `run --shard i/N`'
          : 'merge only results of one `commbench run` invocation repeated on each load generator (same scenario and options)',
    });
  }
  const apart = windowProblems(inputs);
  if (apart.length > 0) {
    throw new CommbenchError('E_MERGE_MISMATCH', 'the results were not taken at the same time', {
      details: apart,
      hint: 'merge sums load generators that ran side by side; start them together (run --shard i/N --start-at <time> on each) and merge those results',
    });
  }
  const cases = ids.flatMap((id): CaseResult[] => {
    const parts = inputs
      .map((i) => i.result.cases.find((c) => c.spec.id === id))
      .filter((c): c is CaseResult => c !== undefined);
    if (parts.length === 0) return [];
    const counts = parts.map((p) => p.repetitions.length);
    const kept = Math.min(...counts);
    if (counts.some((n) => n > kept)) {
      notes.push(
        `${id}: kept ${kept} repetition${kept === 1 ? '' : 's'} (the fewest any input has: ${inputs.map((input, i) => `${input.file} ${counts[i]}`).join(', ')}); the rest ran without every generator and are left out of the repetitions and the summary`,
      );
    }
    return [first.shard ? withSummedLoad(mergeCase(parts), parts) : mergeCase(parts)];
  });
  const ends = inputs.map((i) => i.result.endReason);
  const endReason = ends.includes('interrupted')
    ? 'interrupted'
    : ends.includes('failed')
      ? 'failed'
      : 'completed';
  const messages = inputs.filter((i) => i.result.endMessage).map((i) => `${i.file}: ${i.result.endMessage}`);
  return {
    schemaVersion: first.schemaVersion,
    tool: first.tool,
    startedAt: inputs.map((i) => i.result.startedAt).sort()[0]!,
    finishedAt: inputs
      .map((i) => i.result.finishedAt)
      .sort()
      .at(-1)!,
    environment: first.environment,
    plan: first.shard ? { ...first.plan, cases: cases.map((c) => c.spec) } : first.plan,
    cases,
    endReason,
    ...(messages.length > 0 ? { endMessage: messages.join('; ') } : {}),
    mergedFrom: inputs.flatMap(({ file, result }) =>
      result.mergedFrom
        ? result.mergedFrom
        : [
            {
              file,
              startedAt: result.startedAt,
              finishedAt: result.finishedAt,
              environment: result.environment,
            },
          ],
    ),
  };
}

/** The windows each input (or each source of an already merged input) ran in, epoch ms. */
function windowsOf(input: MergeInput): { file: string; from: number; to: number }[] {
  const sources = input.result.mergedFrom ?? [
    { file: input.file, startedAt: input.result.startedAt, finishedAt: input.result.finishedAt },
  ];
  return sources.map((s) => ({ file: s.file, from: Date.parse(s.startedAt), to: Date.parse(s.finishedAt) }));
}

/**
 * Results that were not running at the same time cannot be summed into one throughput: every
 * window must overlap every other (the latest start before the earliest end).
 */
function windowProblems(inputs: readonly MergeInput[]): string[] {
  const windows = inputs.flatMap(windowsOf);
  if (windows.some((w) => !Number.isFinite(w.from) || !Number.isFinite(w.to)))
    return windows
      .filter((w) => !Number.isFinite(w.from) || !Number.isFinite(w.to))
      .map((w) => `${w.file}: no valid startedAt/finishedAt`);
  const latestStart = windows.reduce((a, w) => (w.from > a.from ? w : a));
  const earliestEnd = windows.reduce((a, w) => (w.to < a.to ? w : a));
  if (latestStart.from < earliestEnd.to) return [];
  const span = (w: { from: number; to: number }): string =>
    `${new Date(w.from).toISOString()} – ${new Date(w.to).toISOString()}`;
  const gapS = Math.round((latestStart.from - earliestEnd.to) / 1000);
  return [
    `${earliestEnd.file} ran ${span(earliestEnd)}`,
    `${latestStart.file} ran ${span(latestStart)}, ${gapS} s after the other ended`,
  ];
}

/**
 * The inputs must run one plan: per case the same pattern, options, payload, durations, timeout,
 * server delay, target and request, and the same load model (shards' loads are shares, so only the
 * model is compared; side-by-side runs must have the same load). Shards of one run share their
 * `--start-at`.
 */
function planProblems(inputs: readonly MergeInput[]): string[] {
  const first = inputs[0]!;
  const sharded = first.result.shard !== undefined;
  const fingerprint = (spec: CaseSpec): Record<string, unknown> => ({
    pattern: spec.pattern,
    options: spec.options,
    payload: spec.payload,
    durationMs: spec.durationMs,
    warmupMs: spec.warmupMs,
    repeat: spec.repeat,
    timeoutMs: spec.timeoutMs,
    serverDelayMs: spec.serverDelayMs,
    target: spec.target,
    request: spec.request,
    load: sharded ? spec.load.model : spec.load,
  });
  const problems: string[] = [];
  for (const { file, result } of inputs.slice(1)) {
    for (const spec of result.plan.cases) {
      const mine = first.result.plan.cases.find((c) => c.id === spec.id);
      if (!mine) continue;
      const a = fingerprint(mine);
      const b = fingerprint(spec);
      const differ = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      if (differ.length > 0)
        problems.push(`${file}: case ${spec.id} differs from ${first.file} in ${differ.join(', ')}`);
    }
    if (sharded && result.shard?.startAt !== first.result.shard?.startAt)
      problems.push(
        `${file}: --start-at ${result.shard?.startAt ?? '(none)'}, not ${first.result.shard?.startAt ?? '(none)'} like ${first.file}: not shards of one run`,
      );
  }
  return problems;
}

/** `run --shard`: the shards of one run, each once (or no shard results at all). */
function shardProblems(inputs: readonly MergeInput[]): string[] {
  const sharded = inputs.filter((i) => i.result.shard);
  if (sharded.length === 0) return [];
  if (sharded.length < inputs.length)
    return inputs
      .filter((i) => !i.result.shard)
      .map((i) => `${i.file}: not a --shard result (the others are)`);
  const count = sharded[0]!.result.shard!.count;
  const problems = inputs
    .filter((i) => i.result.shard!.count !== count)
    .map((i) => `${i.file}: shard of ${i.result.shard!.count}, not of ${count}`);
  const seen = inputs.map((i) => i.result.shard!.index);
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.includes(i));
  const twice = seen.filter((i, k) => seen.indexOf(i) !== k);
  if (missing.length > 0) problems.push(`missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}`);
  if (twice.length > 0)
    problems.push(`shard(s) given twice: ${twice.map((i) => `${i}/${count}`).join(', ')}`);
  return problems;
}

/** Shard results: the merged case ran the shards' loads together (connections, rate, maxInFlight summed). */
function withSummedLoad(merged: CaseResult, parts: readonly CaseResult[]): CaseResult {
  const loads = parts.map((p) => p.spec.load);
  if (!parts.every((p, i) => i === 0 || p.spec.load.model === loads[0]!.model)) return merged;
  const load = loadDefinition(loads[0]!).combine(loads);
  return { ...merged, spec: { ...merged.spec, load, loadInfo: describeLoad(load, merged.spec.workers) } };
}

const statusRank: readonly CaseStatus[] = ['ok', 'interrupted', 'failed', 'server-crashed'];

function mergeCase(parts: readonly CaseResult[]): CaseResult {
  const status = parts
    .map((p) => p.status)
    .reduce((a, b) => (statusRank.indexOf(b) > statusRank.indexOf(a) ? b : a));
  const error = parts.find((p) => p.error)?.error;
  const reps = Math.min(...parts.map((p) => p.repetitions.length));
  const repetitions = Array.from({ length: reps }, (_, i) => ({
    ...mergeConcurrent(parts.map((p) => p.repetitions[i]!)),
    repetition: i,
  }));
  // The summary of exactly the repetitions kept, merged the way `run` merges its repetitions.
  const summary = mergeMeasurements(repetitions);
  return {
    spec: parts[0]!.spec,
    status,
    ...(error ? { error } : {}),
    repetitions,
    ...(summary ? { summary: { ...summary, repetition: -1 } } : {}),
  };
}
