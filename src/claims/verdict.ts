import { expectedBackendCalls, graphqlN1Options } from '../patterns/graphql-n1/index.js';
import type { CaseResult, Measurement } from '../result/types.js';
import { formatBytes, formatCount, formatMicros } from '../units.js';

/** One value per measured repetition (trial) of a case; undefined when any trial lacks it. */
function perTrial(c: CaseResult, read: (m: Measurement) => number | undefined): number[] | undefined {
  const values = c.repetitions.map(read);
  return values.length > 0 && values.every((v) => v !== undefined) ? (values as number[]) : undefined;
}
const fewest = (values: number[] | undefined) => (values ? Math.min(...values) : undefined);
const most = (values: number[] | undefined) => (values ? Math.max(...values) : undefined);

/** Calls that completed or failed in the window. */
const calls = (m: Measurement): number => m.ops + m.errors.total;

/** Summed CPU per operation of the server's helper processes whose role passes `pick`; undefined when none does. */
function helperCpuPerOp(m: Measurement, pick: (role: string) => boolean): number | undefined {
  const helpers = (m.server?.helpers ?? []).filter((h) => pick(h.role));
  return helpers.length === 0 ? undefined : helpers.reduce((a, h) => a + h.cpuUsPerOp, 0);
}

/**
 * With a reference chain beside the measured one (calls alternating between them), the nginx CPU
 * per request of one chain: its processes' CPU over the half of the calls it carried.
 */
function pairedCpuPerOp(m: Measurement, reference: boolean): number | undefined {
  if (!m.server?.helpers?.some((h) => h.role.startsWith('reference '))) return undefined;
  const cpu = helperCpuPerOp(
    m,
    (role) => role.endsWith('(nginx)') && role.startsWith('reference ') === reference,
  );
  return cpu === undefined ? undefined : cpu * 2;
}

/** Memory and CPU of the "one core and one GiB" unit the polling claim counts clients in. */
const GiB = 2 ** 30;
/** The polling claim's stated freshness: one poll per client per minute. */
export const pollIntervalUs = 60e6;

/**
 * The numbers a claim's rules read from a case's summary. Latency and throughput are the
 * subscribers' for push and queue cases (publish → receipt, deliveries/s), like the report table.
 */
export const claimMetrics = {
  p50: { unit: 'µs', read: (m) => (m.delivery ?? m).latency.p50 },
  /** The fastest operation: the path's own cost, least moved by other load on the machine. */
  minLatency: { unit: 'µs', read: (m) => m.latency.min },
  /** The caller's own latency (until the response, or until the broker accepted the message). */
  callerP50: { unit: 'µs', read: (m) => m.latency.p50 },
  throughput: { unit: 'ops/s', read: (m) => (m.delivery ? m.delivery.throughput : m.throughput) },
  serverCpuPerOp: { unit: 'µs', read: (m) => m.server?.cpuUsPerOp },
  payloadPerOp: { unit: 'B', read: (m) => m.payload.perOp },
  responsePerOp: { unit: 'B', read: (m) => m.payload.responsePerOp },
  errors: { unit: '', read: (m) => m.errors.total },
  /** Share of the calls that failed (0..1): errors over calls completed or failed. */
  errorShare: { unit: 'share', read: (m) => (calls(m) === 0 ? undefined : m.errors.total / calls(m)) },
  /** CPU per request of the nginx processes the call passed (gateway, hops, sidecars), µs. */
  proxyCpuPerOp: {
    unit: 'µs',
    read: (m) => pairedCpuPerOp(m, false) ?? helperCpuPerOp(m, (role) => role.endsWith('(nginx)')),
  },
  /** The reference chain's nginx CPU per request of its own (every other call went through it: gateway and mesh `reference`), µs. */
  referenceCpuPerOp: { unit: 'µs', read: (m) => pairedCpuPerOp(m, true) },
  /** CPU per request of the services behind a gateway (their processes), µs. */
  serviceCpuPerOp: { unit: 'µs', read: (m) => helperCpuPerOp(m, (role) => role.startsWith('service ')) },
  /** Requests the service received (its own count, retries included) per call the caller made. */
  receivedPerCall: {
    unit: '',
    read: (m) => {
      const received = m.server?.counters?.received;
      return received === undefined || calls(m) === 0 ? undefined : received / calls(m);
    },
  },
  /** Operations completed in the window (rebuilds, calls). */
  ops: { unit: '', read: (m) => m.ops },
  /** Connection-cost cases: the server's open file descriptors per held connection. */
  fdsPerConnection: { unit: '', read: (m) => m.connections?.server?.fdsPerConnection },
  /** Connection-cost cases: the server's resident memory for 100,000 held connections, from the growth per connection. */
  serverMemoryFor100k: {
    unit: 'B',
    read: (m) => {
      const per = m.connections?.server?.rssPerConnectionBytes;
      return per === undefined ? undefined : per * 100_000;
    },
  },
  /** Connection-cost cases: idle held connections one GiB of server memory holds. */
  heldClientsPerGiB: {
    unit: 'clients',
    read: (m) => {
      const per = m.connections?.server?.rssPerConnectionBytes;
      return per === undefined || per <= 0 ? undefined : GiB / per;
    },
  },
  /** Request cases: clients one server core answers when each polls once a minute (CPU per request). */
  pollClientsPerCore: {
    unit: 'clients',
    read: (m) => {
      const cpu = m.server?.cpuUsPerOp;
      return cpu === undefined || cpu <= 0 ? undefined : pollIntervalUs / cpu;
    },
  },
  lost: { unit: '', read: (m) => m.delivery?.lost },
  duplicated: { unit: '', read: (m) => m.delivery?.duplicated },
  /** The fewest lost in any one trial (repetition): > 0 means every trial lost some. */
  lostEveryTrial: { unit: '', read: (_m, c) => fewest(perTrial(c, (r) => r.delivery?.lost)) },
  /** The most lost in any one trial: = 0 means no trial lost any. */
  lostAnyTrial: { unit: '', read: (_m, c) => most(perTrial(c, (r) => r.delivery?.lost)) },
  duplicatedEveryTrial: { unit: '', read: (_m, c) => fewest(perTrial(c, (r) => r.delivery?.duplicated)) },
  duplicatedAnyTrial: { unit: '', read: (_m, c) => most(perTrial(c, (r) => r.delivery?.duplicated)) },
  outOfOrderEveryTrial: { unit: '', read: (_m, c) => fewest(perTrial(c, (r) => r.delivery?.outOfOrder)) },
  /** Failed operations in the trial with the most (every trial's every operation must pass for 0). */
  errorsAnyTrial: { unit: '', read: (_m, c) => most(perTrial(c, (r) => r.errors.total)) },
  reconnects: { unit: '', read: (m) => (m.delivery ? (m.delivery.reconnect?.count ?? 0) : undefined) },
  /**
   * The origin's CPU per request: the server process's own, without its helpers' (the proxy in front
   * of it); near 0 when a cache answered for it.
   */
  originCpuPerOp: {
    unit: 'µs',
    read: (m) => {
      if (!m.server || m.ops <= 0) return undefined;
      const helpers = (m.server.helpers ?? []).reduce((sum, h) => sum + h.cpuUs, 0);
      return Math.max(0, m.server.cpuUs - helpers) / m.ops;
    },
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
  /** The case's artificial service time (scenario `server.delay`), ms. */
  readonly serverDelayMs?: number;
}

/**
 * One verdict rule, as data: `left.metric OP right` where right is another case's metric (the same,
 * or `rightMetric`) or a constant. `factor` scales the right side: '<' holds when left < right ×
 * factor, '>' when left > right × factor, '=' when left equals right exactly (counts such as lost).
 */
export interface ClaimRule {
  /** What the rule says in plain words, e.g. 'payload per call'. */
  readonly says: string;
  readonly metric: ClaimMetric;
  readonly left: CaseSelector;
  readonly op: '<' | '>' | '=';
  readonly right: CaseSelector | { readonly value: number };
  /** The right case's metric when it differs from the left's (same unit), e.g. clients per core vs per GiB. */
  readonly rightMetric?: ClaimMetric;
  readonly factor?: number;
  /** A derived figure appended to the rule's text, from the two measured values (e.g. a crossing point). */
  readonly explain?: (left: number, right: number) => string;
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
  if (s.serverDelayMs !== undefined && c.spec.serverDelayMs !== s.serverDelayMs) return false;
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
  if (unit === 'clients') return `${formatCount(value)} clients`;
  if (unit === 'share') return `${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)}%`;
  return Number.isInteger(value) ? formatCount(value) : value.toFixed(2);
}

/** "A 2.1× B": the larger side first, so the ratio always says which is larger. */
export function ratioText(leftName: string, left: number, rightName: string, right: number): string {
  if (left <= 0 || right <= 0 || left === right) return left === right ? `${leftName} = ${rightName}` : '';
  const [big, small, r] =
    left > right ? [leftName, rightName, left / right] : [rightName, leftName, right / left];
  return `${big} ${r < 10 ? r.toFixed(1) : formatCount(Math.round(r))}× ${small}`;
}

function factorText(factor: number): string {
  return factor === 1 ? '' : `${Number(factor.toPrecision(3))}× `;
}

/** Evaluates one rule on a run's cases. Pure. */
export function evaluateRule(rule: ClaimRule, cases: readonly CaseResult[]): RuleOutcome {
  const left = readMetric(cases, rule.left, rule.metric);
  const rightMetric = rule.rightMetric ?? rule.metric;
  const right =
    'value' in rule.right ? { value: rule.right.value } : readMetric(cases, rule.right, rightMetric);
  if ('missing' in left || 'missing' in right) {
    const missing = 'missing' in left ? left.missing : (right as { missing: string }).missing;
    return { rule, holds: undefined, missing, text: `${rule.says}: not measured (${missing})` };
  }
  const factor = rule.factor ?? 1;
  const holds =
    rule.op === '<'
      ? left.value < right.value * factor
      : rule.op === '>'
        ? left.value > right.value * factor
        : left.value === right.value;
  const l = formatMetric(rule.metric, left.value);
  const r = formatMetric(rightMetric, right.value);
  const verdict = holds ? 'holds' : 'does not hold';
  const extra = rule.explain ? `; ${rule.explain(left.value, right.value)}` : '';
  const base = { rule, holds, left: left.value, right: right.value };
  if ('value' in rule.right) {
    return {
      ...base,
      text: `${rule.says}: ${rule.left.name} ${l} (needs ${rule.op} ${r})${extra}: ${verdict}`,
    };
  }
  const L = rule.left.name;
  const R = rule.right.name;
  const ratio = rule.op === '=' ? '' : ratioText(L, left.value, R, right.value);
  const needs = `${L} ${rule.op} ${factorText(factor)}${R}`;
  return {
    ...base,
    text: `${rule.says}: ${L} ${l}, ${R} ${r}${ratio ? ` (${ratio})` : ''}${extra}, needs ${needs}: ${verdict}`,
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
