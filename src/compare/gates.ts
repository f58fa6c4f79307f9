/**
 * Parsing `compare`'s `--threshold 5%` and `--fail-on 'p99:+10%,throughput:-5%'`. Every problem is
 * reported at once as a CommbenchError E_USAGE naming the valid forms.
 */
import { CommbenchError } from '../errors.js';
import { findMetric, metrics, type MetricDef } from './metrics.js';

/** Metrics `compare` can compare: positive quantities whose ratio means something. */
export const comparableMetrics: readonly MetricDef[] = metrics.filter(
  (m) => m.unit === 'ops/s' || m.unit === 'µs' || m.unit === 'bytes',
);

/** A metric that fails the comparison when it gets worse by more than `limit` (relative, 0.1 = 10%). */
export interface FailOn {
  readonly metric: MetricDef;
  readonly limit: number;
}

const percentPattern = /^\s*([+-]?)(\d+(?:\.\d+)?)\s*%\s*$/;

/** '5%' → 0.05. Throws E_USAGE for anything else (the sign is not allowed here). */
export function parseThresholdPercent(text: string, flag = '--threshold'): number {
  const m = percentPattern.exec(text);
  if (!m || m[1] !== '') {
    throw new CommbenchError('E_USAGE', `${flag} ${JSON.stringify(text)} is not a percentage`, {
      hint: `write a relative change such as ${flag} 5% (a change smaller than this never fails)`,
    });
  }
  return Number(m[2]) / 100;
}

/**
 * 'p99:+10%,throughput:-5%' → the metrics that fail the comparison and how much worse each may get.
 * The sign is optional; when given it must point the way the metric gets worse (+ for latency, CPU
 * and bytes; - for throughput), so a typo cannot silently gate on improvements.
 */
export function parseFailOn(text: string): FailOn[] {
  const problems: string[] = [];
  const gates: FailOn[] = [];
  const names = comparableMetrics.map((m) => m.name).join(', ');
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`${JSON.stringify(entry)}: expected METRIC:CHANGE, e.g. p99:+10% or throughput:-5%`);
      continue;
    }
    const name = entry.slice(0, colon).trim();
    const change = entry.slice(colon + 1).trim();
    const metric = findMetric(name);
    if (!metric || !comparableMetrics.includes(metric)) {
      problems.push(`${JSON.stringify(name)} is not a metric compare knows; use one of: ${names}`);
      continue;
    }
    const m = percentPattern.exec(change);
    if (!m) {
      problems.push(`${name}: ${JSON.stringify(change)} is not a relative change such as +10% or -5%`);
      continue;
    }
    const worse = metric.better === 'lower' ? '+' : '-';
    if (m[1] !== '' && m[1] !== worse) {
      problems.push(
        `${name}:${change}: ${metric.name} gets worse when it goes ${worse === '+' ? 'up' : 'down'}; write ${metric.name}:${worse}${m[2]}%`,
      );
      continue;
    }
    if (gates.some((g) => g.metric === metric)) {
      problems.push(`${metric.name} is given twice`);
      continue;
    }
    gates.push({ metric, limit: Number(m[2]) / 100 });
  }
  if (problems.length === 0 && gates.length === 0) problems.push('no METRIC:CHANGE entries');
  if (problems.length > 0) {
    throw new CommbenchError('E_USAGE', `--fail-on ${JSON.stringify(text)} is not valid`, {
      details: problems,
      hint: "write --fail-on 'p99:+10%,throughput:-5%' (comma-separated METRIC:CHANGE, the sign optional)",
    });
  }
  return gates;
}

/** The metrics named in a comma-separated `--metrics` list; E_USAGE lists the valid ones. */
export function parseMetricList(text: string): MetricDef[] {
  const out: MetricDef[] = [];
  const unknown: string[] = [];
  for (const name of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = findMetric(name);
    if (m && comparableMetrics.includes(m)) {
      if (!out.includes(m)) out.push(m);
    } else unknown.push(name);
  }
  if (unknown.length > 0 || out.length === 0) {
    throw new CommbenchError(
      'E_USAGE',
      `--metrics: unknown metric ${unknown.map((u) => JSON.stringify(u)).join(', ')}`,
      {
        hint: `use a comma-separated list of: ${comparableMetrics.map((m) => m.name).join(', ')}`,
      },
    );
  }
  return out;
}
