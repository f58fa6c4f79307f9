import { eventSourcingOptions } from '../patterns/event-sourcing/index.js';
import { expectedBackendCalls, graphqlN1Options } from '../patterns/graphql-n1/index.js';
import type { CaseResult, Measurement } from '../result/types.js';
import { formatBytes, formatCount, formatMicros } from '../units.js';

/**
 * The numbers a claim's rules read from a case's summary. Latency and throughput are the
 * subscribers' for push and queue cases (publish → receipt, deliveries/s), like the report table.
 */
export const claimMetrics = {
  p50: { unit: 'µs', read: (m) => (m.delivery ?? m).latency.p50 },
  throughput: { unit: 'ops/s', read: (m) => (m.delivery ? m.delivery.throughput : m.throughput) },
  serverCpuPerOp: { unit: 'µs', read: (m) => m.server?.cpuUsPerOp },
  payloadPerOp: { unit: 'B', read: (m) => m.payload.perOp },
  responsePerOp: { unit: 'B', read: (m) => m.payload.responsePerOp },
  wirePerOp: { unit: 'B', read: (m) => m.wire.perOp },
  errors: { unit: '', read: (m) => m.errors.total },
  /** Connection-cost cases: the server's open file descriptors per held connection. */
  fdsPerConnection: { unit: '', read: (m) => m.connections?.server?.fdsPerConnection },
  /** Connection-cost cases: growth of the server's resident memory per held connection. */
  serverBytesPerConnection: { unit: 'B', read: (m) => m.connections?.server?.rssPerConnectionBytes },
  /**
   * Operations that completed, counted only when none failed (0 otherwise): "it worked, this often".
   * Not measured when none completed in the window.
   */
  cleanOps: { unit: '', read: (m) => (m.errors.total > 0 ? 0 : m.ops > 0 ? m.ops : undefined) },
  lost: { unit: '', read: (m) => m.delivery?.lost },
  duplicated: { unit: '', read: (m) => m.delivery?.duplicated },
  reconnects: { unit: '', read: (m) => (m.delivery ? (m.delivery.reconnect?.count ?? 0) : undefined) },
  requestsPerUpdate: {
    unit: '',
    read: (m) =>
      m.delivery?.requests && m.delivery.delivered > 0
        ? m.delivery.requests.total / m.delivery.delivered
        : undefined,
  },
  /**
   * graphql-n1: backend calls per query. Every response reported its count and the client failed
   * any response whose count differed from the loader mode's (N + 1 or 2), so with operations and no
   * errors the count is known; otherwise it is not.
   */
  backendCalls: {
    unit: '',
    read: (m, c) =>
      c.spec.pattern === 'graphql-n1' && m.ops > 0 && m.errors.total === 0
        ? expectedBackendCalls(graphqlN1Options.parse(c.spec.options))
        : undefined,
  },
  /**
   * event-sourcing replay: events replayed per second in one rebuild, the log's length over the
   * time to rebuild it (p50). Equal rates at two lengths = replay time linear in N.
   */
  eventsPerSec: {
    unit: 'events/s',
    read: (m, c) => {
      if (c.spec.pattern !== 'event-sourcing' || m.ops === 0 || m.latency.p50 <= 0) return undefined;
      const o = eventSourcingOptions.parse(c.spec.options);
      return o.phase === 'replay' ? o.events / (m.latency.p50 / 1e6) : undefined;
    },
  },
} satisfies Record<string, { unit: string; read(m: Measurement, c: CaseResult): number | undefined }>;
export type ClaimMetric = keyof typeof claimMetrics;

/** Names one case of a claim's scenario: its pattern, and option/load values it must have. */
export interface CaseSelector {
  /** How the case is named in verdict lines, e.g. 'grpc', 'rest hops=4'. */
  readonly name: string;
  readonly pattern: string;
  /** Every key given must equal the case's (pattern) option as written in the scenario. */
  readonly options?: Readonly<Record<string, unknown>>;
  readonly connections?: number;
  readonly inFlight?: number;
}

/**
 * One verdict rule, as data: `left.metric OP right` where right is another case's same metric or a
 * constant. `factor` is the margin: '<' holds when left × factor < right, '>' when left > right ×
 * factor, '=' when left equals right exactly (counts such as lost or errors).
 */
export interface ClaimRule {
  /** What the rule says in plain words, e.g. 'gRPC payload smaller'. */
  readonly says: string;
  readonly metric: ClaimMetric;
  readonly left: CaseSelector;
  readonly op: '<' | '>' | '=';
  readonly right: CaseSelector | { readonly value: number };
  readonly factor?: number;
}

export type Verdict = 'holds' | 'does not hold' | 'mixed' | 'not measured';

export interface RuleOutcome {
  readonly rule: ClaimRule;
  /** undefined: a case is missing, failed, or lacks the metric (`missing` says which). */
  readonly holds: boolean | undefined;
  readonly left?: number;
  readonly right?: number;
  readonly missing?: string;
  /** The numbers that decided it, e.g. 'payload grpc 62B vs rest 136B (2.2×)'. */
  readonly text: string;
}

export interface ClaimVerdict {
  readonly verdict: Verdict;
  readonly outcomes: readonly RuleOutcome[];
}

function matches(c: CaseResult, s: CaseSelector): boolean {
  if (c.spec.pattern !== s.pattern) return false;
  if (s.connections !== undefined && c.spec.load.connections !== s.connections) return false;
  if (s.inFlight !== undefined && c.spec.load.inFlight !== s.inFlight) return false;
  const options = c.spec.options as Record<string, unknown>;
  return Object.entries(s.options ?? {}).every(([k, v]) => JSON.stringify(options[k]) === JSON.stringify(v));
}

/** The value of `metric` on the one case matching `s`, or why there is none. */
export function readMetric(
  cases: readonly CaseResult[],
  s: CaseSelector,
  metric: ClaimMetric,
): { value: number } | { missing: string } {
  const found = cases.filter((c) => matches(c, s));
  if (found.length === 0) return { missing: `no case ${s.name}` };
  if (found.length > 1) return { missing: `${found.length} cases match ${s.name}` };
  const c = found[0] as CaseResult;
  if (c.status !== 'ok' || !c.summary) return { missing: `${s.name} ${c.error?.message ?? c.status}` };
  const value = claimMetrics[metric].read(c.summary, c);
  return value === undefined || !Number.isFinite(value)
    ? { missing: `${s.name} has no ${metric}` }
    : { value };
}

export function formatMetric(metric: ClaimMetric, value: number): string {
  const unit = claimMetrics[metric].unit;
  if (unit === 'µs') return formatMicros(value);
  if (unit === 'B') return formatBytes(value);
  if (unit === 'ops/s') return `${formatCount(value)}/s`;
  if (unit === 'events/s') return `${formatCount(value)} events/s`;
  return Number.isInteger(value) ? formatCount(value) : value.toFixed(2);
}

function ratioText(left: number, right: number): string {
  if (left <= 0 || right <= 0) return '';
  const r = left > right ? left / right : right / left;
  return ` (${r < 10 ? r.toFixed(1) : Math.round(r)}×)`;
}

/** Evaluates one rule on a run's cases. Pure. */
export function evaluateRule(rule: ClaimRule, cases: readonly CaseResult[]): RuleOutcome {
  const left = readMetric(cases, rule.left, rule.metric);
  const right =
    'value' in rule.right ? { value: rule.right.value } : readMetric(cases, rule.right, rule.metric);
  if ('missing' in left || 'missing' in right) {
    const missing = 'missing' in left ? left.missing : (right as { missing: string }).missing;
    return { rule, holds: undefined, missing, text: `${rule.says}: not measured (${missing})` };
  }
  const factor = rule.factor ?? 1;
  const holds =
    rule.op === '<'
      ? left.value * factor < right.value
      : rule.op === '>'
        ? left.value > right.value * factor
        : left.value === right.value;
  const l = formatMetric(rule.metric, left.value);
  const r = formatMetric(rule.metric, right.value);
  const verdict = holds ? 'holds' : 'does not hold';
  if ('value' in rule.right) {
    return {
      rule,
      holds,
      left: left.value,
      right: right.value,
      text: `${rule.says} ${l} (${rule.op} ${r}): ${verdict}`,
    };
  }
  const ratio = rule.op === '=' ? '' : ratioText(left.value, right.value);
  const L = rule.left.name;
  const R = rule.right.name;
  const needs =
    factor === 1
      ? `${L} ${rule.op} ${R}`
      : rule.op === '<'
        ? `${L} × ${factor} < ${R}`
        : `${L} > ${R} × ${factor}`;
  return {
    rule,
    holds,
    left: left.value,
    right: right.value,
    text: `${rule.says} ${L} ${l} vs ${R} ${r}${ratio}: ${verdict} (needs ${needs})`,
  };
}

/**
 * A claim's verdict from its rules: holds when every measured rule holds, does not hold when none
 * does, mixed otherwise; not measured when no rule could be evaluated. Pure.
 */
export function evaluateClaim(rules: readonly ClaimRule[], cases: readonly CaseResult[]): ClaimVerdict {
  const outcomes = rules.map((r) => evaluateRule(r, cases));
  const measured = outcomes.filter((o) => o.holds !== undefined);
  const held = measured.filter((o) => o.holds).length;
  const verdict: Verdict =
    measured.length === 0
      ? 'not measured'
      : held === measured.length
        ? 'holds'
        : held === 0
          ? 'does not hold'
          : 'mixed';
  return { verdict, outcomes };
}
