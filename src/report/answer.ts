/**
 * The answer a reader wants before the table (hyperfine's "1.82 ± 0.05 times faster than …"): per
 * group of rows the scenario compares (same payload and load, ./groups.ts), which row is best on
 * each metric that group is about, by how much against the baseline row, whether the difference is
 * within noise, and which rows cannot be compared because of a flag. Built once from the summary
 * model; the terminal, markdown and HTML reporters only lay it out. Pure.
 */
import type { Measurement, Result } from '../result/types.js';
import { formatBytes, formatInteger, formatMicros, formatPercent, formatSize } from '../units.js';
import { groupRows, type RowGroup } from './groups.js';
import type { Flag, SummaryRow, SummaryTable } from './model.js';

/** How a metric's value is judged, and which flags make a row's value unfit to compare. */
type MetricKind = 'speed' | 'cpu' | 'bytes';

interface MetricDef {
  /** Short name shown at the start of the line: 'p50', 'capacity', 'srv CPU/op'. */
  readonly name: string;
  readonly kind: MetricKind;
  readonly better: 'lower' | 'higher';
  /** Words for "better" and "worse" in 'X× faster than'. */
  readonly words: readonly [better: string, worse: string];
  /** What the best row is called: 'fastest', 'smallest'. */
  readonly best: string;
  readonly format: (v: number) => string;
  /** The metric of a summary or of one repetition; undefined when it has none. */
  readonly of: (m: Measurement) => number | undefined;
}

const latencyOf = (m: Measurement) => m.delivery?.latency ?? m.latency;
const rateOf = (v: number): string => `${v < 100 ? v.toFixed(1) : formatInteger(v)} ops/s`;

const metricDefs = {
  capacity: {
    name: 'capacity',
    best: 'highest',
    kind: 'speed',
    better: 'higher',
    words: ['higher', 'lower'],
    format: rateOf,
    of: (m) => m.search?.capacity,
  },
  throughput: {
    name: 'ops/s',
    best: 'highest',
    kind: 'speed',
    better: 'higher',
    words: ['higher', 'lower'],
    format: (v) => (v < 100 ? v.toFixed(1) : formatInteger(v)),
    of: (m) => (m.delivery ? m.delivery.throughput : m.throughput),
  },
  p50: {
    name: 'p50',
    best: 'fastest',
    kind: 'speed',
    better: 'lower',
    words: ['faster', 'slower'],
    format: formatMicros,
    of: (m) => latencyOf(m).p50 || undefined,
  },
  p99: {
    name: 'p99',
    best: 'fastest',
    kind: 'speed',
    better: 'lower',
    words: ['faster', 'slower'],
    format: formatMicros,
    of: (m) => latencyOf(m).p99 || undefined,
  },
  payload: {
    name: 'payload',
    best: 'smallest',
    kind: 'bytes',
    better: 'lower',
    words: ['smaller', 'larger'],
    format: formatBytes,
    of: (m) => m.payload.perOp || undefined,
  },
  serverCpu: {
    name: 'srv CPU/op',
    best: 'cheapest',
    kind: 'cpu',
    better: 'lower',
    words: ['less', 'more'],
    format: formatMicros,
    of: (m) => m.server?.cpuUsPerOp || undefined,
  },
} as const satisfies Record<string, MetricDef>;

/**
 * The one place the answer reads the model's flags: the flags that make a row's value of a metric
 * of `kind` unfit to compare. Speed (latency, throughput, capacity): any error-severity flag (the
 * load generator was the limit, the case failed, crashed, was interrupted or never ran) or a partial
 * window. CPU per operation: only a case that did not complete its window. Bytes per operation are
 * a property of the encoding and are always compared.
 */
export function disqualifyingFlags(row: SummaryRow, kind: MetricKind): Flag[] {
  if (kind === 'bytes') return [];
  if (kind === 'cpu')
    return row.flags.filter((f) =>
      ['failed', 'server-crashed', 'interrupted', 'not-run', 'partial'].includes(f.code),
    );
  return row.flags.filter((f) => f.severity === 'error' || f.code === 'partial');
}

/**
 * Smallest difference called a difference when a case ran once: run-to-run variation of timing on
 * one machine is rarely below a few percent. With repetitions the observed spread is used when wider.
 */
export const noiseFloor: Readonly<Record<MetricKind, number>> = { speed: 0.05, cpu: 0.05, bytes: 0.005 };

/** One metric's verdict within a group. */
export interface AnswerLine {
  /** The metric's short name: 'p50', 'capacity', 'payload', 'srv CPU/op'. */
  readonly metric: string;
  /**
   * 'winner': one row is best beyond noise; 'tie': the best rows are within noise of each other;
   * 'none': fewer than two rows can be compared.
   */
  readonly outcome: 'winner' | 'tie' | 'none';
  /** Names of the best row(s) (one for 'winner', two or more for 'tie'). */
  readonly best: readonly string[];
  /** The sentence after the metric name, plain text. */
  readonly text: string;
}

export interface AnswerGroup {
  /** What the rows share ('64B · rate 1000/s c=8'); '' when the whole table is one group. */
  readonly label: string;
  /** The row others are measured against, by its short name. */
  readonly baseline: string;
  readonly lines: readonly AnswerLine[];
}

export interface Answer {
  /** The scenario's question, when it names one. */
  readonly question?: string;
  readonly groups: readonly AnswerGroup[];
  /** Said when no group has two rows to compare. */
  readonly empty?: string;
}

/**
 * Names of rows within one group: the pattern, the case's label, and the options that differ
 * between rows of the same pattern there ('grpc client=frames'); what the group shares is left out
 * (a label every row has too, with `sharedLabel: false`).
 */
export function shortNames(rows: readonly SummaryRow[], opts: { sharedLabel?: boolean } = {}): string[] {
  const flat = rows.map((r) => new Map(flatten(r.spec.options)));
  // Results written before case labels were kept: a capacity search still says so.
  const labels = rows.map((r) => r.spec.label ?? (r.spec.load.model === 'knee' ? 'capacity' : undefined));
  const shared = new Set(labels).size === 1 && opts.sharedLabel === false;
  const names = rows.map((r, i) => {
    const parts = [r.spec.pattern];
    const label = labels[i];
    if (label !== undefined && !shared) parts.push(label);
    const same = rows.map((o, j) => ({ o, j })).filter(({ o }) => o.spec.pattern === r.spec.pattern);
    const keys = [...new Set(same.flatMap(({ j }) => [...flat[j]!.keys()]))].filter(
      (k) => new Set(same.map(({ j }) => flat[j]!.get(k))).size > 1,
    );
    for (const k of keys) {
      const v = flat[i]!.get(k);
      if (v !== undefined) parts.push(`${k.split('.').at(-1)}=${v}`);
    }
    if (new Set(rows.map((o) => o.spec.target ?? '')).size > 1 && r.spec.target !== undefined)
      parts.push(`→${r.spec.target}`);
    return parts.join(' ');
  });
  return new Set(names).size === names.length ? names : rows.map((r) => r.cells.case);
}

function flatten(o: Readonly<Record<string, unknown>>, prefix = ''): [string, string][] {
  return Object.entries(o).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string]],
  );
}

/** The metrics a group is about: capacity for searches, latency at a fixed rate, else throughput and p50. */
function metricsFor(rows: readonly SummaryRow[]): MetricDef[] {
  const measured = rows.filter((r) => r.result?.summary);
  const costs = [metricDefs.payload, metricDefs.serverCpu];
  if (measured.length > 0 && measured.every((r) => r.result!.summary!.search))
    return [metricDefs.capacity, ...costs];
  if (measured.length > 0 && measured.every((r) => r.spec.load.model === 'rate'))
    return [metricDefs.p50, metricDefs.p99, ...costs];
  return [metricDefs.throughput, metricDefs.p50, ...costs];
}

/** Sample standard deviation / mean of a metric over a row's repetitions (0 with fewer than two). */
function spreadOf(row: SummaryRow, metric: MetricDef): number {
  const values = (row.result?.repetitions ?? [])
    .map((m) => metric.of(m))
    .filter((v): v is number => v !== undefined && v > 0);
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance) / mean;
}

interface Entry {
  readonly name: string;
  readonly row: SummaryRow;
  readonly value: number;
  readonly spread: number;
}

/** 'N× faster' with the spread when repetitions give one ('2.1 ± 0.1× faster'); 'the same' within noise. */
function relative(a: Entry, ref: Entry, metric: MetricDef, noise: number): string {
  const ratio = a.value / ref.value;
  if (Math.abs(Math.log(ratio)) <= noise) return 'the same within noise';
  const aBetter = metric.better === 'lower' ? ratio < 1 : ratio > 1;
  const factor = ratio >= 1 ? ratio : 1 / ratio;
  const sd = factor * Math.hypot(a.spread, ref.spread);
  const digits = factor < 10 ? 1 : 0;
  const pm = sd >= 0.05 ? ` ± ${sd.toFixed(digits === 0 ? 0 : 1)}` : '';
  return `${factor.toFixed(digits)}${pm}× ${metric.words[aBetter ? 0 : 1]}`;
}

/** Noise band (on the log ratio) for comparing two entries. */
function noiseOf(a: Entry, b: Entry, metric: MetricDef): number {
  return Math.max(noiseFloor[metric.kind], 2 * Math.hypot(a.spread, b.spread));
}

function lineFor(
  metric: MetricDef,
  rows: readonly SummaryRow[],
  names: readonly string[],
  baseline: number,
): AnswerLine {
  const entries: Entry[] = [];
  const excluded = new Map<string, string[]>();
  const missing: string[] = [];
  rows.forEach((row, i) => {
    const m = row.result?.summary;
    if (!m) return;
    const flags = disqualifyingFlags(row, metric.kind);
    if (flags.length > 0) {
      const key = flags.map((f) => f.text.split(' ')[0]).join(', ');
      excluded.set(key, [...(excluded.get(key) ?? []), names[i]!]);
      return;
    }
    const value = metric.of(m);
    if (value === undefined || !(value > 0)) {
      missing.push(names[i]!);
      return;
    }
    entries.push({ name: names[i]!, row, value, spread: spreadOf(row, metric) });
  });
  const notCompared = [
    ...[...excluded.entries()].map(([why, who]) => `${who.join(', ')} (${why})`),
    ...(missing.length === 0 ? [] : [`${missing.join(', ')} (none found)`]),
  ].join('; ');
  if (entries.length < 2) {
    const text =
      notCompared === ''
        ? 'fewer than two rows have a value'
        : `not compared: ${notCompared}${entries.length === 1 ? `; only ${entries[0]!.name} is clean` : ''}`;
    return { metric: metric.name, outcome: 'none', best: [], text };
  }
  const sign = metric.better === 'lower' ? 1 : -1;
  const ranked = [...entries].sort((a, b) => sign * (a.value - b.value));
  const best = ranked[0]!;
  const ties = ranked.filter((e) => Math.abs(Math.log(e.value / best.value)) <= noiseOf(e, best, metric));
  const baseRow = rows[baseline];
  const ref = entries.find((e) => e.row === baseRow) ?? (ties.length > 1 ? best : ranked[1]!);
  const tail = notCompared === '' ? '' : `; not compared: ${notCompared}`;
  const others = ranked
    .filter((e) => e !== ref && !(ties.length === 1 && e === best))
    .filter((e) => !(ties.length > 1 && ties.includes(e)))
    .map((e) => `${e.name} ${relative(e, ref, metric, noiseOf(e, ref, metric))}`);
  const rest = others.length === 0 ? '' : `; ${others.join(', ')}`;
  if (ties.length > 1) {
    const band = Math.max(...ties.map((e) => noiseOf(e, best, metric)));
    const values = ties.map((e) => `${e.name} ${metric.format(e.value)}`).join(', ');
    const versus = ties.includes(ref)
      ? ''
      : `, ${relative(best, ref, metric, noiseOf(best, ref, metric))} than ${ref.name} (${metric.format(ref.value)})`;
    return {
      metric: metric.name,
      outcome: 'tie',
      best: ties.map((e) => e.name),
      text: `tie within noise (±${formatPercent(Math.exp(band) - 1)}): ${values}${versus}${rest}${tail}`,
    };
  }
  const versus =
    best === ref
      ? ''
      : `, ${relative(best, ref, metric, noiseOf(best, ref, metric))} than ${ref.name} (${metric.format(ref.value)})`;
  return {
    metric: metric.name,
    outcome: 'winner',
    best: [best.name],
    text: `${best.name} ${metric.format(best.value)} ${metric.best}${versus}${rest}${tail}`,
  };
}

/**
 * The baseline row of a group: the scenario's `baseline` (a pattern, a case label or a row's case
 * name) when a row of the group matches, else the group's floor (./groups.ts), else its first row.
 */
function baselineIndex(group: RowGroup, names: readonly string[], wanted: string | undefined): number {
  const rows = group.rows;
  if (wanted !== undefined) {
    const i = rows.findIndex(
      (r, k) => names[k] === wanted || r.cells.case === wanted || r.spec.id === wanted,
    );
    if (i >= 0) return i;
    const j = rows.findIndex((r) => r.spec.pattern === wanted && r.result?.summary);
    if (j >= 0) return j;
  }
  const floor = group.floor === undefined ? -1 : rows.indexOf(group.floor);
  return floor >= 0 ? floor : 0;
}

/** What every row of a one-group table shares: '256B · closed c=4×1'. */
export function sharedLabel(row: SummaryRow): string {
  return `${formatSize(row.spec.payload.size)} · ${row.cells.load}`;
}

/** Builds the answer for `result` from its summary (the rows and flags every reporter shows). */
export function buildAnswer(result: Result, summary: SummaryTable): Answer {
  const grouping = groupRows(summary);
  const groups: AnswerGroup[] = [];
  for (const g of grouping.groups) {
    if (g.rows.filter((r) => r.result?.summary).length < 2) continue;
    const names = shortNames(g.rows, { sharedLabel: false });
    const base = baselineIndex(g, names, result.plan.baseline);
    groups.push({
      label: g.label === '' ? sharedLabel(g.rows[0]!) : g.label,
      baseline: names[base]!,
      lines: metricsFor(g.rows).map((m) => lineFor(m, g.rows, names, base)),
    });
  }
  return {
    ...(result.plan.question ? { question: result.plan.question } : {}),
    groups,
    ...(groups.length === 0
      ? { empty: 'No two measured cases share a payload and load: nothing to compare side by side.' }
      : {}),
  };
}
