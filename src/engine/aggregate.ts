/**
 * Aggregation, in one module: measurements of one window taken side by side (a window's driver
 * threads and processes: mergeTimelines; a run's shards: mergeConcurrent) and measurements taken
 * one after another (a case's repetitions → its summary: mergeMeasurements). measure.ts turns a
 * window's driver reports into a Measurement; merge-results.ts merges shards' result files.
 */
import {
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
  mergeHistograms,
  summarizeHistogram,
  type Histogram,
} from '../metrics/histogram.js';
import { errorKinds, noErrors, type ErrorKind } from '../result/types.js';
import type {
  CapacitySpread,
  ConnectionCost,
  DeliveryMetrics,
  HelperMetrics,
  LatencySummary,
  Measurement,
  ServerMetrics,
  TimelinePoint,
  UnmeasuredProcess,
} from '../result/types.js';
import { percentileOverAll } from './load/open.js';
import { totalErrors } from './recorder.js';
import { mergeVerdicts } from './verdict.js';

/** Counters of several repetitions, summed by name (only when every repetition has them). */
function mergedCounters(servers: readonly ServerMetrics[]): Pick<ServerMetrics, 'counters'> {
  if (servers.length === 0 || !servers.every((s) => s.counters)) return {};
  const counters: Record<string, number> = {};
  for (const s of servers)
    for (const [k, v] of Object.entries(s.counters ?? {})) counters[k] = (counters[k] ?? 0) + v;
  return { counters };
}

/** Helpers of several repetitions by role: CPU summed, peak RSS the largest. */
function mergeHelpers(servers: readonly ServerMetrics[], ops: number): ServerMetrics['helpers'] {
  if (!servers.some((s) => s.helpers)) return undefined;
  const byRole = new Map<string, { cpuUs: number; maxRssBytes: number }>();
  for (const h of servers.flatMap((s) => s.helpers ?? [])) {
    const m = byRole.get(h.role) ?? { cpuUs: 0, maxRssBytes: 0 };
    byRole.set(h.role, { cpuUs: m.cpuUs + h.cpuUs, maxRssBytes: Math.max(m.maxRssBytes, h.maxRssBytes) });
  }
  return [...byRole].map(([role, m]) => ({ role, ...m, cpuUsPerOp: ops === 0 ? 0 : m.cpuUs / ops }));
}

/** The optional costs of keeping subscriptions: present only when something was reported. */
export function subscriptionCosts(
  requests: number,
  empty: number,
  reconnect: Histogram,
): Pick<DeliveryMetrics, 'requests' | 'reconnect'> {
  return {
    ...(requests > 0 ? { requests: { total: requests, empty } } : {}),
    ...(reconnect.totalCount > 0 ? { reconnect: summarizeHistogram(reconnect) } : {}),
  };
}

/** Deliveries of several repetitions as one: histograms merged, counts summed. */
function mergeDeliveries(reps: readonly Measurement[], seconds: number): DeliveryMetrics | undefined {
  const parts = reps.flatMap((r) => (r.delivery ? [r.delivery] : []));
  const first = parts[0];
  if (!first) return undefined;
  const merged = (f: (d: DeliveryMetrics) => LatencySummary): LatencySummary =>
    summarizeHistogram(mergeEncoded(parts.map((d) => f(d).encoded)));
  const delivered = sum(parts, (d) => d.delivered);
  return {
    subscribers: first.subscribers,
    perMessage: first.perMessage,
    published: sum(parts, (d) => d.published),
    expected: sum(parts, (d) => d.expected),
    delivered,
    lost: sum(parts, (d) => d.lost),
    undrained: sum(parts, (d) => d.undrained ?? 0),
    late: sum(parts, (d) => d.late ?? 0),
    unackedDelivered: sum(parts, (d) => d.unackedDelivered ?? 0),
    duplicated: sum(parts, (d) => d.duplicated),
    outOfOrder: sum(parts, (d) => d.outOfOrder),
    mismatched: sum(parts, (d) => d.mismatched),
    throughput:
      seconds > 0 ? sum(reps, (r) => (r.delivery?.throughput ?? 0) * r.durationMs) / 1000 / seconds : 0,
    latency: merged((d) => d.latency),
    skew: merged((d) => d.skew),
    jitter: merged((d) => d.jitter),
    subscribe: merged((d) => d.subscribe),
    bytesPerDelivery: delivered === 0 ? 0 : sum(parts, (d) => d.bytesPerDelivery * d.delivered) / delivered,
    ...subscriptionCosts(
      sum(parts, (d) => d.requests?.total ?? 0),
      sum(parts, (d) => d.requests?.empty ?? 0),
      mergeEncoded(parts.flatMap((d) => (d.reconnect ? [d.reconnect.encoded] : []))),
    ),
  };
}

/** One second of one part of a window: a driver report's (with its latency histogram) or a stored point. */
export type TimelineSecond =
  { readonly ops: number; readonly errors: number; readonly latency: string } | TimelinePoint;

/**
 * The one merge of per-second timelines of parts measured side by side (a window's driver threads
 * and processes, a run's shards): each second's counts summed. Its percentiles are exact when every
 * part of that second carries its histogram (a window's driver reports); stored points (shards'
 * results) keep only their percentiles, so the second's are bounded by its worst part's.
 */
export function mergeTimelines(parts: readonly (readonly TimelineSecond[])[]): TimelinePoint[] {
  const byT = new Map<number, TimelineSecond[]>();
  for (const part of parts) {
    part.forEach((second, i) => {
      const t = 't' in second ? second.t : i + 1;
      byT.set(t, [...(byT.get(t) ?? []), second]);
    });
  }
  return [...byT.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, seconds]) => ({
      t,
      ops: sum(seconds, (s) => s.ops),
      errors: sum(seconds, (s) => s.errors),
      ...secondLatency(seconds),
    }));
}

function secondLatency(
  seconds: readonly TimelineSecond[],
): Pick<TimelinePoint, 'p50' | 'p90' | 'p99' | 'max'> {
  const encoded = seconds.flatMap((s) => ('latency' in s ? [s.latency] : []));
  if (encoded.length === seconds.length) {
    const h = mergeEncoded(encoded);
    const at = (p: number): number => (h.totalCount === 0 ? 0 : h.getValueAtPercentile(p));
    return { p50: at(50), p90: at(90), p99: at(99), max: h.totalCount === 0 ? 0 : h.maxValue };
  }
  // The per-second histograms are not in a result, so stored seconds cannot be merged exactly.
  const worst = (f: (p: TimelinePoint) => number | undefined): number | undefined => {
    const values = seconds.flatMap((s) => ('latency' in s ? [] : [f(s)]).filter((v) => v !== undefined));
    return values.length === 0 ? undefined : Math.max(...values);
  };
  const p50 = worst((p) => p.p50);
  const p90 = worst((p) => p.p90);
  const max = worst((p) => p.max);
  return {
    p99: worst((p) => p.p99) ?? 0,
    ...(p50 === undefined ? {} : { p50 }),
    ...(p90 === undefined ? {} : { p90 }),
    ...(max === undefined ? {} : { max }),
  };
}

/**
 * All repetitions of a case as one Measurement: histograms merged exactly, counts and durations
 * summed (so throughput is total ops / total time), the verdict the most binding of theirs.
 */
export function mergeMeasurements(reps: readonly Measurement[]): Measurement | undefined {
  const first = reps[0];
  if (!first) return undefined;
  if (reps.length === 1) return { ...first, repetition: -1 };
  const durationMs = sum(reps, (r) => r.durationMs);
  const ops = sum(reps, (r) => r.ops);
  const errors = sumErrors(reps.map((r) => r.errors));
  const perOp = (f: (r: Measurement) => number): number =>
    ops === 0 ? 0 : reps.reduce((a, r) => a + f(r) * r.ops, 0) / ops;
  const timeline: TimelinePoint[] = [];
  let offset = 0;
  for (const r of reps) {
    for (const p of r.timeline) timeline.push({ ...p, t: p.t + offset });
    offset += r.timeline.length;
  }
  const servers = reps.flatMap((r) => (r.server ? [r.server] : []));
  const serverCpu = sum(servers, (s) => s.cpuUs);
  const helpers = mergeHelpers(servers, ops);
  const driverCpu = sum(reps, (r) => r.driver.cpuUs);
  const pacing = sum(reps, (r) => r.driver.pacingUs ?? 0);
  const worst = reps.reduce((a, r) =>
    r.driver.eventLoopUtilization > a.driver.eventLoopUtilization ? r : a,
  );
  const errorSamples = Object.assign({}, ...reps.map((r) => r.errorSamples)) as Measurement['errorSamples'];
  return {
    repetition: -1,
    endReason: reps.find((r) => r.endReason !== 'completed')?.endReason ?? 'completed',
    durationMs,
    ops,
    throughput: durationMs === 0 ? 0 : ops / (durationMs / 1000),
    ...(reps.some((r) => r.drained !== undefined) ? { drained: sum(reps, (r) => r.drained ?? 0) } : {}),
    sent: sum(reps, (r) => r.sent),
    dropped: sum(reps, (r) => r.dropped),
    ...(reps.some((r) => r.unansweredAtEnd !== undefined)
      ? { unansweredAtEnd: sum(reps, (r) => r.unansweredAtEnd ?? 0) }
      : {}),
    verified: sum(reps, (r) => r.verified),
    latency: summarizeHistogram(mergeHistograms(reps.map((r) => decodeHistogram(r.latency.encoded)))),
    ...mergedFailedLatency(reps),
    service: summarizeHistogram(mergeHistograms(reps.map((r) => decodeHistogram(r.service.encoded)))),
    ...mergedBacklog(reps),
    ...mergedSearch(reps),
    timeline,
    errors: { ...errors, total: totalErrors(errors) },
    errorSamples,
    payload: {
      requestPerOp: perOp((r) => r.payload.requestPerOp),
      responsePerOp: perOp((r) => r.payload.responsePerOp),
      perOp: perOp((r) => r.payload.perOp),
    },
    wire: {
      read: sum(reps, (r) => r.wire.read),
      written: sum(reps, (r) => r.wire.written),
      perOp: ops === 0 ? 0 : sum(reps, (r) => r.wire.read + r.wire.written) / ops,
    },
    ...(reps.some((r) => r.delivery) ? { delivery: mergeDeliveries(reps, durationMs / 1000) } : {}),
    ...(servers.length > 0
      ? {
          server: {
            cpuUs: serverCpu,
            cpuUsPerOp: ops === 0 ? 0 : serverCpu / ops,
            ...(durationMs > 0
              ? {
                  cpuUtilization: round2(
                    sum(reps, (r) => (r.server?.cpuUtilization ?? 0) * r.durationMs) / durationMs,
                  ),
                }
              : {}),
            maxRssBytes: Math.max(...servers.map((s) => s.maxRssBytes)),
            ...(helpers ? { helpers } : {}),
            ...(servers.some((s) => s.unmeasured)
              ? { unmeasured: uniqueByRole(servers.flatMap((s) => s.unmeasured ?? [])) }
              : {}),
            ...mergedCounters(servers),
          },
        }
      : {}),
    ...mergedMachine(reps),
    driver: {
      ...worst.driver,
      cpuUs: driverCpu,
      cpuUsPerOp: ops === 0 ? 0 : driverCpu / ops,
      ...(pacing > 0 ? { pacingUs: pacing } : {}),
      cpuUtilization: durationMs === 0 ? 0 : driverCpu / (durationMs * 1000),
    },
    verdict: mergeVerdicts(
      reps.map((r) => r.verdict),
      reps.map((r) => `repetition #${r.repetition + 1}`),
    )!,
    ...mergeConnectionCost(reps),
  };
}

/**
 * Connection-cost repetitions as one: counts summed (like ops), open time summed so the summary's
 * throughput is connections opened per second of opening (not per second held), per-connection
 * costs weighted by the connections each repetition opened. Empty for other cases.
 */
export function mergeConnectionCost(
  reps: readonly Measurement[],
): Partial<Pick<Measurement, 'connections' | 'throughput'>> {
  const costs = reps.flatMap((r) => (r.connections ? [r.connections] : []));
  const first = costs[0];
  if (!first) return {};
  const opened = sum(costs, (c) => c.opened);
  const openMs = sum(costs, (c) => c.openMs);
  const byOpened = (f: (c: ConnectionCost) => number, of = costs): number => {
    const n = sum(of, (c) => c.opened);
    return n === 0 ? 0 : sum(of, (c) => f(c) * c.opened) / n;
  };
  const mean = (f: (c: ConnectionCost) => number, of = costs): number => sum(of, f) / of.length;
  const servers = costs.filter((c) => c.server);
  const server = (f: (s: NonNullable<ConnectionCost['server']>) => number): number =>
    mean((c) => f(c.server!), servers);
  const perConn = (f: (s: NonNullable<ConnectionCost['server']>) => number): number =>
    byOpened((c) => f(c.server!), servers);
  const failure = costs.find((c) => c.failure)?.failure;
  const notes = [...new Set(costs.flatMap((c) => (c.note ? [c.note] : [])))];
  const connections: ConnectionCost = {
    requested: sum(costs, (c) => c.requested),
    opened,
    failed: sum(costs, (c) => c.failed),
    ...(failure ? { failure } : {}),
    subscriptions: first.subscriptions,
    openMs,
    concurrency: first.concurrency,
    heldOpen: sum(costs, (c) => c.heldOpen),
    ...(servers.length > 0
      ? {
          server: {
            rssBeforeBytes: server((s) => s.rssBeforeBytes),
            rssAfterBytes: server((s) => s.rssAfterBytes),
            rssPerConnectionBytes: perConn((s) => s.rssPerConnectionBytes),
            fdsBefore: server((s) => s.fdsBefore),
            fdsAfter: server((s) => s.fdsAfter),
            fdsPerConnection: perConn((s) => s.fdsPerConnection),
          },
        }
      : {}),
    driverRssPerConnectionBytes: byOpened((c) => c.driverRssPerConnectionBytes),
    fdLimit: Math.min(...costs.map((c) => c.fdLimit)),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
  return { connections, throughput: openMs > 0 ? opened / (openMs / 1000) : 0 };
}

/** Processes no generator could measure, one per role (the last given for it). */
export function uniqueByRole(all: readonly UnmeasuredProcess[]): UnmeasuredProcess[] {
  return [...new Map(all.map((u) => [u.role, u])).values()];
}

function mergedFailedLatency(reps: readonly Measurement[]): Pick<Measurement, 'failedLatency'> {
  const parts = reps.flatMap((r) => (r.failedLatency ? [r.failedLatency.encoded] : []));
  return parts.length === 0 ? {} : { failedLatency: summarizeHistogram(mergeEncoded(parts)) };
}

/** Backlogs of several repetitions: waits merged exactly. */
function mergedBacklog(reps: readonly Measurement[]): Pick<Measurement, 'backlog'> {
  const withBacklog = reps.flatMap((r) => (r.backlog ? [{ r, b: r.backlog }] : []));
  if (withBacklog.length === 0) return {};
  const wait = mergeEncoded(withBacklog.map(({ b }) => b.encoded ?? ''));
  const sent = sum(withBacklog, ({ r }) => r.sent);
  return {
    backlog: {
      queued: sum(withBacklog, ({ b }) => b.queued),
      waitP99: percentileOverAll(wait, sent, 99),
      waitMax: Math.max(...withBacklog.map(({ b }) => b.waitMax)),
      encoded: encodeHistogram(wait),
    },
  };
}

/** The busiest repetition's machine load (a noisy repetition taints the merged numbers). */
function mergedMachine(reps: readonly Measurement[]): Pick<Measurement, 'machine'> {
  const loads = reps.flatMap((r) => (r.machine ? [r.machine] : []));
  if (loads.length === 0) return {};
  return { machine: loads.reduce((a, m) => (m.otherCores > a.otherCores ? m : a)) };
}

export function sum<T>(items: readonly T[], f: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += f(item);
  return total;
}

export function sumErrors(all: readonly Readonly<Record<ErrorKind, number>>[]): Record<ErrorKind, number> {
  const out = noErrors();
  // `?? 0`: results written before a kind existed lack its key.
  for (const e of all)
    for (const k of errorKinds) out[k] += (e as Partial<Record<ErrorKind, number>>)[k] ?? 0;
  return out;
}

/**
 * Capacity searches of several repetitions: the summary keeps the search of the repetition with
 * the median capacity (the lower one of an even count), lists every repetition's capacity and
 * states their spread (a capacity is a measurement like any other).
 */
function mergedSearch(reps: readonly Measurement[]): Pick<Measurement, 'search'> {
  const searches = reps.flatMap((r) => (r.search ? [r.search] : []));
  if (searches.length === 0) return {};
  const ranked = [...searches].sort((a, b) => (a.capacity ?? 0) - (b.capacity ?? 0));
  const median = ranked[Math.floor((ranked.length - 1) / 2)]!;
  const capacities = searches.map((s) => s.capacity ?? 0);
  const spread = capacitySpread(capacities);
  return { search: { ...median, capacities, ...(spread ? { spread } : {}) } };
}

/** Spread of the capacities found (zeros, "none found", left out); undefined when none was. */
export function capacitySpread(capacities: readonly number[]): CapacitySpread | undefined {
  const found = capacities.filter((c) => c > 0);
  if (found.length === 0) return undefined;
  const mean = found.reduce((a, c) => a + c, 0) / found.length;
  const variance = found.length > 1 ? found.reduce((a, c) => a + (c - mean) ** 2, 0) / (found.length - 1) : 0;
  return {
    n: found.length,
    min: Math.min(...found),
    max: Math.max(...found),
    cv: Math.sqrt(variance) / mean,
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
    ...errorKinds.map((k) => [k, sum((m) => (m.errors as Partial<Record<string, number>>)[k] ?? 0)]),
    ['total', sum((m) => m.errors.total)],
  ]) as unknown as Measurement['errors'];
  const servers = ms.map((m) => m.server).filter((s) => s !== undefined);
  const helpers = concurrentHelpers(servers, ops);
  const utilization = servers.flatMap((s) => (s.cpuUtilization === undefined ? [] : [s.cpuUtilization]));
  const machines = ms.flatMap((m) => (m.machine ? [m.machine] : []));
  const connections = concurrentConnections(ms);
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
    ...(ms.some((m) => m.drained !== undefined) ? { drained: sum((m) => m.drained ?? 0) } : {}),
    ...concurrentFailedLatency(ms),
    ...concurrentBacklog(ms),
    ...(delivery ? { delivery } : {}),
    ...(connections ? { connections } : {}),
    // Each generator's own machine: the busiest one taints the merged numbers.
    ...(machines.length > 0
      ? { machine: machines.reduce((a, m) => (m.otherCores > a.otherCores ? m : a)) }
      : {}),
    ...(servers.length > 0
      ? {
          // Every generator drove the same server, each reading its CPU over the same window: the
          // server's own figures, not a sum; per op over all operations.
          server: {
            cpuUs: Math.max(...servers.map((s) => s.cpuUs)),
            cpuUsPerOp: perOp(Math.max(...servers.map((s) => s.cpuUs))),
            ...(utilization.length > 0 ? { cpuUtilization: Math.max(...utilization) } : {}),
            maxRssBytes: Math.max(...servers.map((s) => s.maxRssBytes)),
            ...(helpers ? { helpers } : {}),
            ...concurrentUnmeasured(servers),
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
      ...(ms.some((m) => m.driver.pacingUs !== undefined)
        ? { pacingUs: sum((m) => m.driver.pacingUs ?? 0) }
        : {}),
    },
    // Each generator's verdict was decided on its own window; together, the most binding one.
    verdict: mergeVerdicts(
      ms.map((m) => m.verdict),
      ms.map((_, i) => `generator #${i + 1}`),
    )!,
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
    ...optionalCounts(all, ['undrained', 'late', 'unackedDelivered']),
    ...(all.some((d) => d.requests)
      ? {
          requests: {
            total: sum((d) => d.requests?.total ?? 0),
            empty: sum((d) => d.requests?.empty ?? 0),
          },
        }
      : {}),
    ...(all.some((d) => d.reconnect)
      ? { reconnect: mergeLatency(all.flatMap((d) => (d.reconnect ? [d.reconnect] : []))) }
      : {}),
  };
}

/**
 * Helper processes (proxies, hops, brokers) as every generator saw them: the same processes over the
 * same window, so per role the largest reading, not a sum; per op over all generators' operations.
 */
function concurrentHelpers(servers: readonly ServerMetrics[], ops: number): HelperMetrics[] | undefined {
  if (!servers.some((s) => s.helpers)) return undefined;
  const byRole = new Map<string, { cpuUs: number; maxRssBytes: number }>();
  for (const h of servers.flatMap((s) => s.helpers ?? [])) {
    const m = byRole.get(h.role) ?? { cpuUs: 0, maxRssBytes: 0 };
    byRole.set(h.role, {
      cpuUs: Math.max(m.cpuUs, h.cpuUs),
      maxRssBytes: Math.max(m.maxRssBytes, h.maxRssBytes),
    });
  }
  return [...byRole].map(([role, m]) => ({ role, ...m, cpuUsPerOp: ops > 0 ? m.cpuUs / ops : 0 }));
}

/**
 * Connection-cost measurements of generators that held connections to one server at the same time:
 * counts summed; the server's memory and descriptors are its own (lowest before, highest after),
 * per connection over every generator's connections; opening ran in parallel (the longest).
 */
function concurrentConnections(ms: readonly Measurement[]): ConnectionCost | undefined {
  const costs = ms.flatMap((m) => (m.connections ? [m.connections] : []));
  const first = costs[0];
  if (!first) return undefined;
  const total = (f: (c: ConnectionCost) => number): number => costs.reduce((a, c) => a + f(c), 0);
  const opened = total((c) => c.opened);
  const per = (after: number, before: number): number => (opened > 0 ? (after - before) / opened : 0);
  const servers = costs.flatMap((c) => (c.server ? [c.server] : []));
  const failure = costs.find((c) => c.failure)?.failure;
  const notes = [...new Set(costs.flatMap((c) => (c.note ? [c.note] : [])))];
  const server = (() => {
    if (servers.length === 0) return undefined;
    const rssBeforeBytes = Math.min(...servers.map((s) => s.rssBeforeBytes));
    const rssAfterBytes = Math.max(...servers.map((s) => s.rssAfterBytes));
    const fdsBefore = Math.min(...servers.map((s) => s.fdsBefore));
    const fdsAfter = Math.max(...servers.map((s) => s.fdsAfter));
    return {
      rssBeforeBytes,
      rssAfterBytes,
      rssPerConnectionBytes: per(rssAfterBytes, rssBeforeBytes),
      fdsBefore,
      fdsAfter,
      fdsPerConnection: per(fdsAfter, fdsBefore),
    };
  })();
  return {
    requested: total((c) => c.requested),
    opened,
    failed: total((c) => c.failed),
    ...(failure ? { failure } : {}),
    subscriptions: first.subscriptions,
    openMs: Math.max(...costs.map((c) => c.openMs)),
    concurrency: total((c) => c.concurrency),
    heldOpen: total((c) => c.heldOpen),
    ...(server ? { server } : {}),
    driverRssPerConnectionBytes:
      opened > 0 ? total((c) => c.driverRssPerConnectionBytes * c.opened) / opened : 0,
    fdLimit: Math.min(...costs.map((c) => c.fdLimit)),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

/** Failed operations' latency of every generator, merged like the successful ones'. */
function concurrentFailedLatency(ms: readonly Measurement[]): Pick<Measurement, 'failedLatency'> {
  const parts = ms.flatMap((m) => (m.failedLatency ? [m.failedLatency] : []));
  return parts.length === 0 ? {} : { failedLatency: mergeLatency(parts) };
}

/** Backlogs of side-by-side generators: counts summed, waits the worst. */
function concurrentBacklog(ms: readonly Measurement[]): Pick<Measurement, 'backlog'> {
  const parts = ms.flatMap((m) => (m.backlog ? [m.backlog] : []));
  if (parts.length === 0) return {};
  return {
    backlog: {
      queued: parts.reduce((a, b) => a + b.queued, 0),
      waitP99: Math.max(...parts.map((b) => b.waitP99)),
      waitMax: Math.max(...parts.map((b) => b.waitMax)),
    },
  };
}

/** Server-side processes no generator could measure (a broker given by URL), once per role. */
function concurrentUnmeasured(servers: readonly ServerMetrics[]): Pick<ServerMetrics, 'unmeasured'> {
  const all = servers.flatMap((s) => s.unmeasured ?? []);
  return all.length === 0 ? {} : { unmeasured: uniqueByRole(all) };
}

/** Optional delivery counts, summed over the parts that have them; absent when none has. */
function optionalCounts<K extends 'undrained' | 'late' | 'unackedDelivered'>(
  all: readonly DeliveryMetrics[],
  keys: readonly K[],
): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const k of keys)
    if (all.some((d) => d[k] !== undefined)) out[k] = all.reduce<number>((a, d) => a + (d[k] ?? 0), 0);
  return out;
}

/** `x` rounded to two decimals (cores, utilizations). */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
