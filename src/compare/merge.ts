/**
 * `merge A.json B.json ...`: results of the same scenario run at the same time from several load
 * generators (machines or processes) against the same servers, summed into one result: latency
 * histograms merged exactly, operations and throughputs summed, bytes and CPU per operation
 * recomputed from the totals, every environment listed in `mergedFrom`. Repetition i of every input
 * is taken to have run alongside repetition i of the others.
 */
import { CommbenchError } from '../errors.js';
import { mergeEncoded, summarizeHistogram } from '../metrics/histogram.js';
import type {
  CaseResult,
  CaseStatus,
  DeliveryMetrics,
  LatencySummary,
  Measurement,
  Result,
  TimelinePoint,
} from '../result/types.js';

export interface MergeInput {
  /** The file name, recorded in `mergedFrom`. */
  readonly file: string;
  readonly result: Result;
}

/**
 * Merges results of the same scenario (same plan name and case ids). Throws E_MERGE_MISMATCH,
 * listing every difference, when they are not; E_USAGE with fewer than two inputs.
 */
export function mergeResults(inputs: readonly MergeInput[]): Result {
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
  if (problems.length > 0) {
    throw new CommbenchError('E_MERGE_MISMATCH', 'the results are not runs of the same scenario', {
      details: problems,
      hint: 'merge only results of one `commbench run` invocation repeated on each load generator (same scenario and options)',
    });
  }
  const cases = ids.flatMap((id): CaseResult[] => {
    const parts = inputs
      .map((i) => i.result.cases.find((c) => c.spec.id === id))
      .filter((c): c is CaseResult => c !== undefined);
    return parts.length === 0 ? [] : [mergeCase(parts)];
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
    plan: first.plan,
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
  const summaries = parts.map((p) => p.summary).filter((s): s is Measurement => s !== undefined);
  const summary = summaries.length === parts.length ? mergeConcurrent(summaries) : undefined;
  return {
    spec: parts[0]!.spec,
    status,
    ...(error ? { error } : {}),
    repetitions,
    ...(summary ? { summary: { ...summary, repetition: -1 } } : {}),
  };
}

/** Sums measurements taken at the same time by different load generators. */
export function mergeConcurrent(ms: readonly Measurement[]): Measurement {
  const first = ms[0]!;
  const sum = (f: (m: Measurement) => number): number => ms.reduce((a, m) => a + f(m), 0);
  const ops = sum((m) => m.ops);
  const perOp = (total: number): number => (ops > 0 ? total / ops : 0);
  const errorKinds = Object.keys(first.errors).filter((k) => k !== 'total') as (keyof typeof first.errors)[];
  const errors = Object.fromEntries([
    ...errorKinds.map((k) => [k, sum((m) => m.errors[k])]),
    ['total', sum((m) => m.errors.total)],
  ]) as unknown as Measurement['errors'];
  const servers = ms.map((m) => m.server).filter((s) => s !== undefined);
  const reasons = ms.flatMap((m, i) => m.driver.saturationReasons.map((r) => `#${i + 1}: ${r}`));
  const delivery = mergeDelivery(ms.map((m) => m.delivery));
  return {
    repetition: first.repetition,
    endReason: ms.find((m) => m.endReason !== 'completed')?.endReason ?? 'completed',
    durationMs: Math.max(...ms.map((m) => m.durationMs)),
    ops,
    throughput: sum((m) => m.throughput),
    sent: sum((m) => m.sent),
    dropped: sum((m) => m.dropped),
    verified: sum((m) => m.verified),
    latency: mergeLatency(ms.map((m) => m.latency)),
    service: mergeLatency(ms.map((m) => m.service)),
    timeline: mergeTimelines(ms.map((m) => m.timeline)),
    errors,
    errorSamples: Object.assign(
      {},
      ...ms.map((m) => m.errorSamples).reverse(),
    ) as Measurement['errorSamples'],
    payload: {
      requestPerOp: perOp(sum((m) => m.payload.requestPerOp * m.ops)),
      responsePerOp: perOp(sum((m) => m.payload.responsePerOp * m.ops)),
      perOp: perOp(sum((m) => m.payload.perOp * m.ops)),
    },
    wire: {
      read: sum((m) => m.wire.read),
      written: sum((m) => m.wire.written),
      perOp: perOp(sum((m) => m.wire.read + m.wire.written)),
    },
    ...(delivery ? { delivery } : {}),
    ...(servers.length > 0
      ? {
          // Every generator drove the same server, each reading its CPU over the same window: the
          // server's own figures, not a sum; per op over all operations.
          server: {
            cpuUs: Math.max(...servers.map((s) => s.cpuUs)),
            cpuUsPerOp: perOp(Math.max(...servers.map((s) => s.cpuUs))),
            maxRssBytes: Math.max(...servers.map((s) => s.maxRssBytes)),
          },
        }
      : {}),
    driver: {
      workers: sum((m) => m.driver.workers),
      cpuUs: sum((m) => m.driver.cpuUs),
      cpuUsPerOp: perOp(sum((m) => m.driver.cpuUs)),
      cpuUtilization: Math.max(...ms.map((m) => m.driver.cpuUtilization)),
      eventLoopDelay: {
        p50: Math.max(...ms.map((m) => m.driver.eventLoopDelay.p50)),
        p99: Math.max(...ms.map((m) => m.driver.eventLoopDelay.p99)),
        max: Math.max(...ms.map((m) => m.driver.eventLoopDelay.max)),
      },
      eventLoopUtilization: Math.max(...ms.map((m) => m.driver.eventLoopUtilization)),
      sendLagP99: Math.max(...ms.map((m) => m.driver.sendLagP99)),
      saturated: ms.some((m) => m.driver.saturated),
      saturationReasons: reasons,
    },
  };
}

/** Exact when every part carries its encoded histogram; else the summaries are combined as bounds. */
function mergeLatency(parts: readonly LatencySummary[]): LatencySummary {
  const withData = parts.filter((p) => p.count > 0);
  if (withData.length === 0) return parts[0]!;
  if (withData.every((p) => p.encoded !== ''))
    return summarizeHistogram(mergeEncoded(withData.map((p) => p.encoded)));
  const count = withData.reduce((a, p) => a + p.count, 0);
  const worst = (k: 'p50' | 'p90' | 'p99' | 'p999'): number => Math.max(...withData.map((p) => p[k]));
  return {
    count,
    min: Math.min(...withData.map((p) => p.min)),
    mean: withData.reduce((a, p) => a + p.mean * p.count, 0) / count,
    p50: worst('p50'),
    p90: worst('p90'),
    p99: worst('p99'),
    p999: worst('p999'),
    max: Math.max(...withData.map((p) => p.max)),
    encoded: '',
  };
}

function mergeDelivery(parts: readonly (DeliveryMetrics | undefined)[]): DeliveryMetrics | undefined {
  const all = parts.filter((p): p is DeliveryMetrics => p !== undefined);
  if (all.length === 0) return undefined;
  const sum = (f: (d: DeliveryMetrics) => number): number => all.reduce((a, d) => a + f(d), 0);
  const delivered = sum((d) => d.delivered);
  return {
    subscribers: sum((d) => d.subscribers),
    perMessage: all[0]!.perMessage,
    published: sum((d) => d.published),
    expected: sum((d) => d.expected),
    delivered,
    lost: sum((d) => d.lost),
    duplicated: sum((d) => d.duplicated),
    outOfOrder: sum((d) => d.outOfOrder),
    mismatched: sum((d) => d.mismatched),
    throughput: sum((d) => d.throughput),
    latency: mergeLatency(all.map((d) => d.latency)),
    skew: mergeLatency(all.map((d) => d.skew)),
    jitter: mergeLatency(all.map((d) => d.jitter)),
    subscribe: mergeLatency(all.map((d) => d.subscribe)),
    bytesPerDelivery: delivered > 0 ? sum((d) => d.bytesPerDelivery * d.delivered) / delivered : 0,
  };
}

/** Per-second points summed by second; p99 of a second is the worst part's (an upper bound). */
function mergeTimelines(timelines: readonly (readonly TimelinePoint[])[]): TimelinePoint[] {
  const byT = new Map<number, { ops: number; errors: number; p99: number }>();
  for (const timeline of timelines) {
    for (const p of timeline) {
      const at = byT.get(p.t) ?? { ops: 0, errors: 0, p99: 0 };
      byT.set(p.t, { ops: at.ops + p.ops, errors: at.errors + p.errors, p99: Math.max(at.p99, p.p99) });
    }
  }
  return [...byT.entries()].sort(([a], [b]) => a - b).map(([t, v]) => ({ t, ...v }));
}
