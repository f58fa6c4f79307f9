/**
 * `check RESULT --threshold 'grpc.p99<2ms'`: k6-style thresholds on one result. A threshold is
 * `SELECTOR.METRIC OP VALUE`: the selector is a pattern name, a case id or a row label ('rest 64B')
 * or '*' for every case (and may be left out with its dot); every selected case must pass. A
 * misspelled metric or selector is an error that lists the valid ones, never a pass.
 */
import { storedCaseFailure } from '../result/success.js';
import { CommbenchError } from '../errors.js';
import { caseLabels } from '../report/model.js';
import type { CaseResult, Result } from '../result/types.js';
import { parseDuration, parseSize } from '../units.js';
import { rowFlags } from './flags.js';
import { findMetric, formatMetric, metrics, type MetricDef } from './metrics.js';

export type Operator = '<' | '<=' | '>' | '>=' | '==';

export interface Threshold {
  /** As written, for messages. */
  readonly text: string;
  /** '*' or a pattern name, case id or row label. */
  readonly selector: string;
  readonly metric: MetricDef;
  readonly op: Operator;
  /** In the metric's base unit: µs, ops/s, bytes, count, or a ratio (0.01 for 1%). */
  readonly value: number;
}

const thresholdPattern = /^\s*(\S.*?)\s*(<=|>=|==|<|>)\s*(\S.*?)\s*$/;

/**
 * Splits 'rest 64B.delivery.p99' into its selector and metric: the longest dot-separated suffix that
 * names a metric (so 'delivery.p99' and 'p99.9' are one name while labels may contain dots).
 * Without a known suffix, the metric part as the user most likely meant it (for the error).
 */
function splitSelector(left: string): { selector: string; name: string; metric?: MetricDef } {
  const parts = left.split('.');
  for (let k = Math.min(parts.length, 3); k >= 1; k--) {
    const name = parts.slice(-k).join('.').trim();
    const metric = findMetric(name);
    if (metric) return { selector: parts.slice(0, -k).join('.'), name, metric };
  }
  let k = parts.at(-1) === '9' && parts.length > 1 ? 2 : 1;
  if (parts.length > k && /^(delivery|ack|publish)$/i.test(parts.at(-k - 1)!.trim())) k++;
  return { selector: parts.slice(0, -k).join('.'), name: parts.slice(-k).join('.').trim() };
}

/** Parses one threshold; throws E_USAGE with the valid forms and metrics when it is malformed. */
export function parseThreshold(text: string): Threshold {
  const m = thresholdPattern.exec(text);
  const forms =
    "write SELECTOR.METRIC<VALUE, e.g. 'grpc.p99<2ms', 'rest.throughput>20000', 'p99<=5ms' (every case)";
  const split = m ? splitSelector(m[1]!) : undefined;
  if (!m || !split || !/^[A-Za-z][A-Za-z0-9.]*$/.test(split.name)) {
    throw new CommbenchError('E_USAGE', `threshold ${JSON.stringify(text)} is not SELECTOR.METRIC OP VALUE`, {
      hint: `${forms}; operators: <, <=, >, >=, ==`,
    });
  }
  const [, , op = '<', rawValue = ''] = m;
  const { metric, name } = split;
  if (!metric) {
    throw new CommbenchError(
      'E_USAGE',
      `threshold ${JSON.stringify(text)}: unknown metric ${JSON.stringify(name)}`,
      {
        details: metrics.map((d) => `${d.name}: ${d.description}`),
        hint: `use one of the metrics above; ${forms}`,
      },
    );
  }
  const value = parseValue(metric, rawValue);
  if (value === undefined) {
    throw new CommbenchError(
      'E_USAGE',
      `threshold ${JSON.stringify(text)}: ${JSON.stringify(rawValue)} is not ${unitHelp(metric)}`,
      {
        hint: `${metric.name} is ${metric.description}; write ${example(metric)}`,
      },
    );
  }
  return { text, selector: split.selector.trim() || '*', metric, op: op as Operator, value };
}

function parseValue(metric: MetricDef, raw: string): number | undefined {
  switch (metric.unit) {
    case 'µs': {
      if (!/[a-zµ]\s*$/i.test(raw)) return undefined; // a bare number is ambiguous for a latency
      const ms = parseDuration(raw);
      return ms === undefined ? undefined : ms * 1000;
    }
    case 'bytes':
      return parseSize(raw);
    case 'ratio': {
      const p = /^(\d+(?:\.\d+)?)\s*%$/.exec(raw);
      return p ? Number(p[1]) / 100 : undefined;
    }
    case 'ops/s':
    case 'count': {
      const n = /^(\d+(?:\.\d+)?)\s*([kKmM]?)(?:\/s)?$/.exec(raw);
      if (!n) return undefined;
      const scale = n[2] === '' ? 1 : n[2]!.toLowerCase() === 'k' ? 1e3 : 1e6;
      return Number(n[1]) * scale;
    }
  }
}

function unitHelp(metric: MetricDef): string {
  switch (metric.unit) {
    case 'µs':
      return 'a duration with a unit (500us, 2ms, 1.5s)';
    case 'bytes':
      return 'a size (512, 1KiB)';
    case 'ratio':
      return 'a percentage (1%)';
    case 'ops/s':
      return 'operations per second (20000, 20k)';
    case 'count':
      return 'a count (0, 100, 2k)';
  }
}

function example(metric: MetricDef): string {
  switch (metric.unit) {
    case 'µs':
      return `'grpc.${metric.name}<2ms'`;
    case 'bytes':
      return `'grpc.${metric.name}<1KiB'`;
    case 'ratio':
      return `'rest.${metric.name}<1%'`;
    case 'ops/s':
      return `'rest.${metric.name}>20000'`;
    case 'count':
      return `'rest.${metric.name}==0'`;
  }
}

export interface CheckOutcome {
  readonly threshold: Threshold;
  readonly caseLabel: string;
  readonly caseId: string;
  /** Undefined when the case has no measurements (counts as crossed). */
  readonly actual?: number;
  readonly passed: boolean;
  /**
   * Why the outcome is crossed whatever the value: the case did not complete (crashed, failed,
   * interrupted), so its summary covers only part of the run and errors after the stop were never
   * counted.
   */
  readonly reason?: string;
  /**
   * What the report flagged on the case (DRIVER-LIMITED, BUSY-MACHINE …, see ./flags.ts): a check
   * that passes on a flagged row may have measured the load generator or the machine. Absent when none.
   */
  readonly flags?: readonly string[];
}

/** Why `c` cannot pass a threshold, or undefined when it ran to completion. */
export function incompleteReason(c: CaseResult): string | undefined {
  const partial = c.repetitions.filter((r) => r.endReason !== 'completed');
  // Results written before such cases were failed at run time: no success is a failure here too.
  const none = storedCaseFailure(c);
  if (none !== undefined) return `the case failed (${none})`;
  if (c.status === 'ok' && partial.length === 0 && c.summary) return undefined;
  const why =
    c.error?.message ??
    (partial[0] ? `repetition ${partial[0].repetition + 1} ${partial[0].endReason}` : undefined);
  const status = c.status === 'ok' ? (c.summary ? 'partial' : 'unmeasured') : c.status;
  return `the case did not complete (${status}${why ? `: ${why}` : ''})`;
}

/**
 * Evaluates thresholds on the merged summary of every selected case. Throws E_USAGE when a selector
 * matches no case (listing patterns, case ids and labels) or a metric is absent from every case it
 * selects (e.g. serverCpu with --target).
 */
export function checkThresholds(result: Result, thresholds: readonly Threshold[]): CheckOutcome[] {
  const labels = caseLabels(result.cases.map((c) => c.spec));
  const outcomes: CheckOutcome[] = [];
  const problems: string[] = [];
  for (const t of thresholds) {
    const selected = result.cases.filter((c, i) => matches(t.selector, c, labels[i]!));
    if (selected.length === 0) {
      problems.push(`${JSON.stringify(t.text)}: ${JSON.stringify(t.selector)} matches no case`);
      continue;
    }
    const measured = selected.filter((c) => c.summary && t.metric.read(c.summary) !== undefined);
    // A metric absent from a case that failed (no successful operation: no latency) crosses, below.
    if (measured.length === 0 && selected.some((c) => c.summary && incompleteReason(c) === undefined)) {
      problems.push(`${JSON.stringify(t.text)}: the result has no ${t.metric.name} for ${t.selector}`);
      continue;
    }
    for (const c of selected) {
      const label = labels[result.cases.indexOf(c)]!;
      const actual = c.summary ? t.metric.read(c.summary) : undefined;
      const reason = incompleteReason(c);
      const flags = rowFlags(c);
      outcomes.push({
        threshold: t,
        caseLabel: label,
        caseId: c.spec.id,
        ...(actual === undefined ? {} : { actual }),
        passed: reason === undefined && actual !== undefined && compare(actual, t.op, t.value),
        ...(reason === undefined ? {} : { reason }),
        ...(flags.length > 0 ? { flags } : {}),
      });
    }
  }
  if (problems.length > 0) {
    const patterns = [...new Set(result.cases.map((c) => c.spec.pattern))];
    throw new CommbenchError(
      'E_USAGE',
      `${problems.length === 1 ? 'a threshold does' : 'thresholds do'} not fit ${result.plan.name}`,
      {
        details: [
          ...problems,
          `patterns: ${patterns.join(', ')}`,
          `cases: ${result.cases.map((c, i) => `${JSON.stringify(c.spec.id)} (${labels[i]})`).join(', ')}`,
        ],
        hint: "select a case by pattern ('grpc.p99<2ms'), by case id or label ('rest 64B.p99<5ms'), or all ('p99<5ms')",
      },
    );
  }
  return outcomes;
}

function matches(selector: string, c: CaseResult, label: string): boolean {
  return selector === '*' || selector === c.spec.pattern || selector === c.spec.id || selector === label;
}

function compare(actual: number, op: Operator, value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '==':
      return actual === value;
  }
}

/**
 * 'grpc 64B: p99 1.85ms < 2ms ok' — one line per outcome, for the terminal (with why, when crossed
 * by status; with the row's flags, when it passed on a flagged row).
 */
export function formatOutcome(o: CheckOutcome): string {
  const t = o.threshold;
  const actual = o.actual === undefined ? 'no measurements' : formatMetric(t.metric, o.actual);
  const flagged = o.passed && o.flags ? ` [flagged ${o.flags.join(', ')}]` : '';
  return `${o.passed ? 'ok     ' : 'CROSSED'}  ${o.caseLabel}: ${t.metric.name} ${actual}${o.reason && o.actual !== undefined ? ' (partial)' : ''} (threshold ${t.op} ${formatMetric(t.metric, t.value)})${o.reason ? `: ${o.reason}` : ''}${flagged}`;
}

/**
 * The line under passed checks about the flagged rows among them, or undefined when none was
 * flagged: 'passed on a flagged row: rest 256B (DRIVER-LIMITED); …'.
 */
export function flaggedPasses(outcomes: readonly CheckOutcome[]): string | undefined {
  const rows = new Map<string, readonly string[]>();
  for (const o of outcomes) if (o.passed && o.flags) rows.set(o.caseLabel, o.flags);
  if (rows.size === 0) return undefined;
  return `passed on ${rows.size === 1 ? 'a flagged row' : `${rows.size} flagged rows`}: ${[...rows].map(([label, flags]) => `${label} (${flags.join(', ')})`).join('; ')}: the figures may measure the load generator or the machine rather than the server (commbench report explains each flag)`;
}
