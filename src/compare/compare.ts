/**
 * `compare BASE HEAD`: per matched case and metric, the relative change with a confidence interval
 * from the repetitions (Welch t on logs, see ./stats.ts for why) and a verdict. A regression is a
 * change that is both statistically real (the interval excludes no change) and beyond the
 * threshold. Pure: Results in, a Comparison out; rendering is in ./render.ts.
 */
import { noSuccessReason, storedCaseFailure } from '../result/success.js';
import { caseLabels } from '../report/model.js';
import type { CaseResult, Measurement, Result } from '../result/types.js';
import type { CaseSpec } from '../plan/types.js';
import { CommbenchError } from '../errors.js';
import type { FailOn } from './gates.js';
import { rowFlags } from './flags.js';
import { matchCases } from './match.js';
import { findMetric, type MetricDef } from './metrics.js';
import { logRatioInterval, type LogSample } from './stats.js';

/**
 * - improved / regressed: the interval excludes 1 and the estimate is beyond the threshold;
 * - unchanged: the whole interval is within ±threshold, or the change is real but smaller;
 * - within-noise: the interval contains no change but reaches beyond the threshold: the runs are
 *   too noisy to tell (more repetitions, or --normalize, narrow it);
 * - too-few: a side has fewer than 2 repetitions, so there is no interval and no way to tell a change
 *   from run-to-run noise (two single runs of the same code differ by up to 40% on a shared 2-core
 *   machine): never regressed nor improved; it fails the comparison only with `strict`;
 * - missing: a side has no positive value of the metric (absent, or ≤ 0 in a repetition); a gated
 *   metric that is missing fails the comparison (a gate never passes on data it does not have).
 */
export type Verdict = 'improved' | 'regressed' | 'unchanged' | 'within-noise' | 'too-few' | 'missing';

export interface CompareOptions {
  /** Relative change below which nothing is improved or regressed (0.05 = 5%). */
  readonly threshold: number;
  /** Metrics that fail the comparison with their own limit; when given, only these gate. */
  readonly failOn?: readonly FailOn[];
  /**
   * Metrics to show (failOn metrics are added). Default throughput, p50, p99, and serverCpu on the
   * cases whose base measured it (see `serverCpuMeasured`).
   */
  readonly metrics?: readonly MetricDef[];
  /** Divide each case by this pattern's case (the floor) measured in the same result. */
  readonly normalize?: string;
  /**
   * Family-wise confidence of the gate. Default 0.95: with identical inputs, the chance that any
   * gated metric of any case is called regressed stays below 5% (each interval is widened by
   * Bonferroni over the gated comparisons, so a CI gate over many cases does not cry wolf).
   */
  readonly confidence?: number;
  /**
   * A gated metric with fewer than 2 repetitions on a side (verdict 'too-few') fails the comparison
   * instead of passing with a warning: for a CI job that must not pass on a gate that tested nothing.
   */
  readonly strict?: boolean;
}

export interface MetricComparison {
  readonly metric: MetricDef;
  /** Geometric mean of the per-repetition values, raw (not normalized); undefined when missing. */
  readonly base: number | undefined;
  readonly head: number | undefined;
  /** Relative change head vs base (after normalization when asked): +0.1 = 10% higher; NaN when missing. */
  readonly change: number;
  /** Confidence interval of `change`; absent when a side has fewer than 2 repetitions. */
  readonly low?: number;
  readonly high?: number;
  /** The change before normalization (present only when normalized). */
  readonly rawChange?: number;
  /** Relative limit that applies to this metric. */
  readonly limit: number;
  /** True when a regression of this metric fails the comparison. */
  readonly gated: boolean;
  readonly verdict: Verdict;
  /** Verdict 'missing': which side lacks the metric and why. */
  readonly missing?: string;
}

export interface CaseComparison {
  readonly label: string;
  readonly base: CaseResult;
  readonly head: CaseResult;
  /** Repetitions used on each side (completed ones; all when none completed). */
  readonly baseReps: number;
  readonly headReps: number;
  /** The floor case each side was divided by (when normalized). */
  readonly floor?: { readonly base: CaseResult; readonly head: CaseResult; readonly label: string };
  readonly metrics: readonly MetricComparison[];
  /**
   * What the report flagged on each side (DRIVER-LIMITED, SERVER-LIMITED, BUSY-MACHINE …, see
   * ./flags.ts): a row that passes while flagged may have measured the load generator or the
   * machine rather than the code, and the output says so. Empty when nothing was flagged.
   */
  readonly flags: { readonly base: readonly string[]; readonly head: readonly string[] };
}

/** A case that is in one result only, or cannot be compared (failed, no measurements). */
export interface Unmatched {
  readonly side: 'base' | 'head' | 'both';
  readonly label: string;
  readonly id: string;
  readonly reason: string;
}

/**
 * Something that fails the comparison besides a regression: a base case missing or unmeasured in
 * the head, a head case that did not complete, a gated metric without data on a side.
 */
export interface GateFailure {
  readonly label: string;
  readonly id: string;
  /** The gated metric, when the failure is about one metric rather than the whole case. */
  readonly metric?: string;
  readonly reason: string;
  /** With `strict`: the metrics (comma-separated in `metric`) have too few repetitions to be tested. */
  readonly untested?: true;
}

/** The floor cases and how much they moved, so the reader sees what normalization did. */
export interface FloorChange {
  readonly label: string;
  readonly metrics: readonly { metric: MetricDef; base: number; head: number; change: number }[];
}

export interface Comparison {
  readonly base: { readonly name: string; readonly startedAt: string; readonly gitSha?: string };
  readonly head: { readonly name: string; readonly startedAt: string; readonly gitSha?: string };
  /** Family-wise confidence: identical runs show no gated regression with this probability. */
  readonly confidence: number;
  /** Level of each interval: 1 - (1 - confidence) / tests (Bonferroni). */
  readonly intervalLevel: number;
  /** Gated comparisons with an interval, the Bonferroni divisor. */
  readonly tests: number;
  readonly threshold: number;
  readonly normalize?: string;
  readonly rows: readonly CaseComparison[];
  readonly floors: readonly FloorChange[];
  readonly unmatched: readonly Unmatched[];
  /** Gated metric comparisons with verdict 'regressed'. */
  readonly regressions: number;
  /** Missing or incomplete data the gate cannot pass on; any entry fails the comparison like a regression. */
  readonly failures: readonly GateFailure[];
  /** True when the comparison fails: a gated regression or any failure. */
  readonly failed: boolean;
  /** Gated metric comparisons with verdict 'too-few' (not tested); failures only with `strict`. */
  readonly tooFew: number;
  readonly strict: boolean;
}

const defaultMetrics = ['throughput', 'p50', 'p99'];

/**
 * Server CPU in the window below which serverCpu is not gated by default: /proc counts CPU in 10 ms
 * ticks (the --server-pid figures), so below ~10 ticks a repetition's figure is mostly rounding and
 * one that reads 0 would fail the gate as missing.
 */
export const minGatedServerCpuUs = 100_000;

/**
 * True when every repetition of `c` has a server CPU figure of at least `minGatedServerCpuUs`: our
 * own servers always (measured to the µs), a --target server when --server-pid measured it and it
 * did enough work. Server CPU per operation counts the server's work, not its waits for a core, so
 * it is often steadier than latency; where it is measured it is gated by default.
 */
export function serverCpuMeasured(c: CaseResult): boolean {
  const reps = usable(c);
  return reps.length > 0 && reps.every((r) => (r.server?.cpuUs ?? 0) >= minGatedServerCpuUs);
}

/** Compares two results case by case; throws E_USAGE when `normalize` names a pattern a side lacks. */
export function compareResults(base: Result, head: Result, opts: CompareOptions): Comparison {
  const confidence = opts.confidence ?? 0.95;
  const failOn = opts.failOn ?? [];
  const shown = [...(opts.metrics ?? defaultMetrics.map((n) => findMetric(n)!))];
  for (const g of failOn) if (!shown.includes(g.metric)) shown.push(g.metric);
  const serverCpu = findMetric('serverCpu')!;
  /** The metrics of one case: `shown`, and by default serverCpu where the base measured it. */
  const metricsOf = (baseCase: CaseResult): MetricDef[] =>
    opts.metrics === undefined && !shown.includes(serverCpu) && serverCpuMeasured(baseCase)
      ? [...shown, serverCpu]
      : shown;

  const matching = matchCases(base.cases, head.cases);
  const labelOf = labeller(
    base.cases.map((c) => c.spec),
    head.cases.map((c) => c.spec),
  );
  const unmatched: Unmatched[] = [
    ...matching.onlyBase.map((c) => ({
      side: 'base' as const,
      label: labelOf(c.spec),
      id: c.spec.id,
      reason: 'only in base',
    })),
    ...matching.onlyHead.map((c) => ({
      side: 'head' as const,
      label: labelOf(c.spec),
      id: c.spec.id,
      reason: 'only in head',
    })),
  ];
  const failures: GateFailure[] = matching.onlyBase.map((c) => ({
    label: labelOf(c.spec),
    id: c.spec.id,
    reason: 'missing in head (the base has this case, the head does not)',
  }));
  const norm = opts.normalize;
  if (norm !== undefined) {
    for (const [side, r] of [
      ['BASE', base],
      ['HEAD', head],
    ] as const) {
      if (!r.cases.some((c) => c.spec.pattern === norm && usable(c).length > 0)) {
        throw new CommbenchError('E_USAGE', `--normalize ${norm}: ${side} has no measured ${norm} case`, {
          hint: `run the scenario with the ${norm} pattern included (e.g. --pattern ${norm},rest,grpc), or drop --normalize`,
        });
      }
    }
  }

  interface Pending {
    readonly metric: MetricDef;
    readonly samples: LogSample[];
    readonly base: number;
    readonly head: number;
    readonly rawChange?: number;
    readonly limit: number;
    readonly gated: boolean;
  }
  const pendingRows: {
    row: Omit<CaseComparison, 'metrics'>;
    /** The row's metrics in the order shown. */
    order: readonly MetricDef[];
    pending: Pending[];
    /** Rows decided without an interval: missing data, or 0 on both sides. */
    settled: MetricComparison[];
  }[] = [];
  const floors = new Map<string, FloorChange>();
  for (const pair of matching.pairs) {
    const label = labelOf(pair.base.spec);
    const b = usable(pair.base);
    const h = usable(pair.head);
    if (b.length === 0 || h.length === 0) {
      const side = b.length === 0 && h.length === 0 ? 'both' : b.length === 0 ? 'base' : 'head';
      const which = side === 'head' ? pair.head : pair.base;
      const reason = `no measurements in ${side} (${whyUnusable(which)})`;
      unmatched.push({ side, label, id: pair.base.spec.id, reason });
      if (side !== 'base') {
        const why = whyUnusable(pair.head);
        failures.push({ label, id: pair.base.spec.id, reason: `no measurements in the head (${why})` });
      }
      continue;
    }
    if (pair.head.status !== 'ok') {
      failures.push({
        label,
        id: pair.base.spec.id,
        reason: `the head case did not complete (${pair.head.status}${pair.head.error ? `: ${pair.head.error.message}` : ''})`,
      });
    } else {
      const stored = storedCaseFailure(pair.head);
      if (stored !== undefined)
        failures.push({ label, id: pair.base.spec.id, reason: `the head case failed (${stored})` });
    }
    if (norm !== undefined && pair.base.spec.pattern === norm) {
      floors.set(label, {
        label,
        metrics: shown.flatMap((metric) => {
          const bv = values(b, metric);
          const hv = values(h, metric);
          return bv && hv
            ? [{ metric, base: geomean(bv), head: geomean(hv), change: geomean(hv) / geomean(bv) - 1 }]
            : [];
        }),
      });
      continue;
    }
    const floorBase = norm === undefined ? undefined : floorOf(pair.base.spec, base.cases, norm);
    const floorHead = norm === undefined ? undefined : floorOf(pair.base.spec, head.cases, norm);
    const floor =
      floorBase && floorHead
        ? { base: floorBase, head: floorHead, label: labelOf(floorBase.spec) }
        : undefined;
    const pending: Pending[] = [];
    const settled: MetricComparison[] = [];
    const rowMetrics = metricsOf(pair.base);
    for (const metric of rowMetrics) {
      const gate = failOn.find((g) => g.metric === metric);
      const gated = failOn.length === 0 || gate !== undefined;
      const limit = gate?.limit ?? opts.threshold;
      const bv = values(b, metric);
      const hv = values(h, metric);
      const fh = floor ? values(usable(floor.head), metric) : [];
      const fb = floor ? values(usable(floor.base), metric) : [];
      if (!bv || !hv || !fh || !fb) {
        if (allZero(b, metric) && allZero(h, metric)) {
          settled.push({ metric, base: 0, head: 0, change: 0, limit, gated, verdict: 'unchanged' });
          continue;
        }
        const sides = [!bv && 'base', !hv && 'head', (!fh || !fb) && `the ${norm} floor`].filter(
          (x): x is string => typeof x === 'string',
        );
        const why = `no positive ${metric.name} in ${sides.join(' and ')}`;
        settled.push({
          metric,
          base: bv ? geomean(bv) : undefined,
          head: hv ? geomean(hv) : undefined,
          change: Number.NaN,
          limit,
          gated,
          verdict: 'missing',
          missing: why,
        });
        if (gated) failures.push({ label, id: pair.base.spec.id, metric: metric.name, reason: why });
        continue;
      }
      const samples: LogSample[] = [
        { values: hv, sign: 1 },
        { values: bv, sign: -1 },
      ];
      if (floor) samples.push({ values: fh, sign: -1 }, { values: fb, sign: 1 });
      pending.push({
        metric,
        samples,
        base: geomean(bv),
        head: geomean(hv),
        ...(floor ? { rawChange: geomean(hv) / geomean(bv) - 1 } : {}),
        limit,
        gated,
      });
    }
    pendingRows.push({
      row: {
        label,
        base: pair.base,
        head: pair.head,
        baseReps: b.length,
        headReps: h.length,
        ...(floor ? { floor } : {}),
        flags: { base: rowFlags(pair.base), head: rowFlags(pair.head) },
      },
      order: rowMetrics,
      pending,
      settled,
    });
  }

  // Family-wise: the chance that identical runs show any gated regression stays within 1 - confidence.
  const tests = Math.max(
    1,
    pendingRows.reduce(
      (n, r) => n + r.pending.filter((p) => p.gated && p.samples.every((s) => s.values.length > 1)).length,
      0,
    ),
  );
  const level = 1 - (1 - confidence) / tests;
  const rows: CaseComparison[] = pendingRows.map(({ row, order, pending, settled }) => ({
    ...row,
    metrics: [
      ...pending.map((p): MetricComparison => {
        const interval = logRatioInterval(p.samples, level);
        const change = interval.ratio - 1;
        const low = interval.low === undefined ? undefined : interval.low - 1;
        const high = interval.high === undefined ? undefined : interval.high - 1;
        return {
          metric: p.metric,
          base: p.base,
          head: p.head,
          change,
          ...(low === undefined || high === undefined ? {} : { low, high }),
          ...(p.rawChange === undefined ? {} : { rawChange: p.rawChange }),
          limit: p.limit,
          gated: p.gated,
          verdict: verdictOf(p.metric, change, low, high, p.limit),
        };
      }),
      ...settled,
    ].sort((x, y) => order.indexOf(x.metric) - order.indexOf(y.metric)),
  }));
  const regressions = rows.reduce(
    (n, r) => n + r.metrics.filter((m) => m.gated && m.verdict === 'regressed').length,
    0,
  );
  const strict = opts.strict === true;
  let tooFew = 0;
  for (const r of rows) {
    const untested = r.metrics.filter((m) => m.gated && m.verdict === 'too-few');
    tooFew += untested.length;
    if (strict && untested.length > 0) {
      failures.push({
        label: r.label,
        id: r.base.spec.id,
        metric: untested.map((m) => m.metric.name).join(', '),
        reason: `not tested: ${r.baseReps}/${r.headReps} repetitions (base/head), an interval needs 2 a side (--strict)`,
        untested: true,
      });
    }
  }
  return {
    base: sideOf(base),
    head: sideOf(head),
    confidence,
    intervalLevel: level,
    tests,
    threshold: opts.threshold,
    ...(norm === undefined ? {} : { normalize: norm }),
    rows,
    floors: [...floors.values()],
    unmatched,
    regressions,
    failures,
    failed: regressions > 0 || failures.length > 0,
    tooFew,
    strict,
  };
}

/**
 * The verdict for a relative change and its interval (both as change − 0). Without an interval (a
 * side with one repetition) nothing can be told from noise: 'too-few', whatever the estimate.
 */
export function verdictOf(
  metric: MetricDef,
  change: number,
  low: number | undefined,
  high: number | undefined,
  limit: number,
): Verdict {
  const worse = (c: number): boolean => (metric.better === 'lower' ? c > limit : c < -limit);
  const better = (c: number): boolean => (metric.better === 'lower' ? c < -limit : c > limit);
  if (low === undefined || high === undefined) return 'too-few';
  const significant = low > 0 || high < 0;
  if (significant && worse(change)) return 'regressed';
  if (significant && better(change)) return 'improved';
  if (significant) return 'unchanged';
  return low >= -limit && high <= limit ? 'unchanged' : 'within-noise';
}

/** Repetitions to compare: the completed ones, or all when none completed. */
/** Why a case has no usable repetition: its error, or (results written before such cases failed) no success. */
function whyUnusable(c: CaseResult): string {
  return c.error?.message ?? (c.summary ? noSuccessReason(c.summary) : undefined) ?? c.status;
}

function usable(c: CaseResult): Measurement[] {
  const done = c.repetitions.filter((r) => r.endReason === 'completed' && r.ops > 0);
  return done.length > 0 ? done : c.repetitions.filter((r) => r.ops > 0);
}

function values(reps: readonly Measurement[], metric: MetricDef): number[] | undefined {
  const v = reps.map((r) => metric.read(r));
  return v.every((x): x is number => x !== undefined && x > 0 && Number.isFinite(x)) ? v : undefined;
}

/** Every repetition has the metric and it is exactly 0 (e.g. no wire bytes in-process): nothing to compare, no change. */
function allZero(reps: readonly Measurement[], metric: MetricDef): boolean {
  return reps.every((r) => metric.read(r) === 0);
}

function geomean(v: readonly number[]): number {
  return Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length);
}

/** The floor case for `spec`: same payload and load, else same payload size, else the first. */
function floorOf(spec: CaseSpec, cases: readonly CaseResult[], pattern: string): CaseResult | undefined {
  const floors = cases.filter((c) => c.spec.pattern === pattern && usable(c).length > 0);
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  return (
    floors.find((c) => same(c.spec.payload, spec.payload) && same(c.spec.load, spec.load)) ??
    floors.find((c) => c.spec.payload.size === spec.payload.size) ??
    floors[0]
  );
}

function labeller(...sides: (readonly CaseSpec[])[]): (spec: CaseSpec) => string {
  // Labels from the specs without their server delay, so a slowed head reads like its base.
  const labels = new Map<CaseSpec, string>();
  for (const specs of sides) {
    const names = caseLabels(specs.map((s) => ({ ...s, serverDelayMs: 0 })));
    specs.forEach((s, i) => labels.set(s, names[i] ?? s.id));
  }
  return (spec) => labels.get(spec) ?? spec.id;
}

function sideOf(r: Result): Comparison['base'] {
  return {
    name: r.plan.name,
    startedAt: r.startedAt,
    ...(r.environment.gitSha === undefined ? {} : { gitSha: r.environment.gitSha }),
  };
}
