import {
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
  mergeHistograms,
  summarizeHistogram,
  type Histogram,
} from '../metrics/histogram.js';
import { machineCores } from '../metrics/machine.js';
import { errorKinds, noErrors, type ErrorKind } from '../result/types.js';
import type {
  ConnectionCost,
  DeliveryMetrics,
  LatencySummary,
  CapacitySpread,
  Measurement,
  ServerMetrics,
  TimelinePoint,
  UnmeasuredProcess,
} from '../result/types.js';
import type { LoadSpec } from '../scenario/types.js';
import type { DriverReport } from './driver.js';
import { backlogMetrics, percentileOverAll } from './load/open.js';
import { loadDefinition } from './load/registry.js';
import type { HelperUsage } from './server-host.js';
import { totalErrors } from './recorder.js';
import { decideVerdict, mergeVerdicts, type WindowFigures } from './verdict.js';

export interface WindowUsage {
  /** Driver process CPU (all threads) during the window, µs. */
  readonly driverCpuUs: number;
  /** Busy CPU time of the whole machine during the window, µs (absent without /proc/stat). */
  readonly machineBusyUs?: number;
  readonly workers: number;
  /** Driver processes the load was split among (absent: one, the CLI's). */
  readonly processes?: number;
  /** Loopback source addresses the connections were spread over (absent: one). */
  readonly sourceAddresses?: number;
  /** Open loops' pacing strategy as resolved for this window, with why. */
  readonly pacing?: { readonly pacing: 'spin' | 'sleep'; readonly reason: string };
  /**
   * Server process CPU during the window, µs, and its peak RSS; absent for --target runs. `helpers`:
   * the same for each process the server started (chain hops, proxies) or that carries its traffic
   * (the broker, 'broker:rabbitmq'). `unmeasured`: such processes whose CPU could not be read (a
   * broker given by URL).
   */
  readonly server?: {
    readonly cpuUs: number;
    readonly maxRssBytes: number;
    readonly helpers?: readonly HelperUsage[];
    readonly unmeasured?: readonly UnmeasuredProcess[];
    /** The server's own counts over the window (RunningServer.counters). */
    readonly counters?: Readonly<Record<string, number>>;
  };
}

/**
 * How long the window's end went without a success while operations in flight at its end were never
 * answered (a server that stopped answering): from the last success any driver saw to the end.
 */
function quietAtEnd(reports: readonly DriverReport[], durationMs: number): { quietAtEndMs?: number } {
  if (!reports.some((r) => r.unansweredAtEnd > 0)) return {};
  const lastOk = Math.max(-1, ...reports.map((r) => r.lastOkMs));
  return { quietAtEndMs: lastOk < 0 ? durationMs : Math.max(0, durationMs - lastOk) };
}

/** Turns the reports of one repetition's drivers into its Measurement. */
export function measure(
  repetition: number,
  load: LoadSpec,
  reports: readonly DriverReport[],
  usage: WindowUsage,
): Measurement {
  const durationMs = Math.max(0, ...reports.map((r) => r.measuredMs));
  const ops = sum(reports, (r) => r.ops);
  const seconds = durationMs / 1000;
  const errors = sumErrors(reports.map((r) => r.errors));
  const payloadOps = sum(reports, (r) => r.payload.ops);
  const requestPerOp = payloadOps === 0 ? 0 : sum(reports, (r) => r.payload.request) / payloadOps;
  const responsePerOp = payloadOps === 0 ? 0 : sum(reports, (r) => r.payload.response) / payloadOps;
  const read = sum(reports, (r) => r.wire.read);
  const written = sum(reports, (r) => r.wire.written);
  const busiest = reports.reduce<DriverReport | undefined>(
    (a, r) => (a === undefined || r.eventLoopUtilization > a.eventLoopUtilization ? r : a),
    undefined,
  );
  const sendLag = summarizeHistogram(mergeEncoded(reports.map((r) => r.sendLag)));
  const sent = sum(reports, (r) => r.sent);
  const dropped = sum(reports, (r) => r.dropped);
  const elu = busiest?.eventLoopUtilization ?? 0;
  // Open schedules (those with a lag limit) keep a backlog for busy connections.
  const rules = loadDefinition(load).limits(load);
  const backlog =
    rules.lagLimitUs === undefined
      ? undefined
      : backlogMetrics(
          sent,
          sum(reports, (r) => r.queued),
          mergeEncoded(reports.map((r) => r.backlogWait)),
        );
  // The pacing share of the driver's CPU (never more than it used): shown beside cpuUsPerOp, not subtracted.
  const pacingUs = Math.min(
    usage.driverCpuUs,
    sum(reports, (r) => (r.pacingMs ?? 0) * 1000),
  );
  const failed = mergeEncoded(reports.map((r) => r.failedLatency));
  const endReason = reports.find((r) => r.endReason !== 'completed')?.endReason ?? 'completed';
  const errorSamples: Partial<Record<ErrorKind, string>> = {};
  for (const r of reports) for (const k of errorKinds) errorSamples[k] ??= r.errorSamples[k];
  for (const k of errorKinds) if (errorSamples[k] === undefined) delete errorSamples[k];

  const figures: WindowFigures = {
    repetition,
    endReason,
    durationMs,
    ops,
    throughput: seconds > 0 ? ops / seconds : 0,
    drained: sum(reports, (r) => r.drained),
    sent,
    dropped,
    unansweredAtEnd: sum(reports, (r) => r.unansweredAtEnd),
    ...quietAtEnd(reports, durationMs),
    verified: sum(reports, (r) => r.verified),
    latency: summarizeHistogram(mergeEncoded(reports.map((r) => r.latency))),
    ...(failed.totalCount > 0 ? { failedLatency: summarizeHistogram(failed) } : {}),
    service: summarizeHistogram(mergeEncoded(reports.map((r) => r.service))),
    ...(backlog ? { backlog } : {}),
    timeline: mergeTimelines(reports),
    errors: { ...errors, total: totalErrors(errors) },
    errorSamples,
    payload: { requestPerOp, responsePerOp, perOp: requestPerOp + responsePerOp },
    wire: { read, written, perOp: ops === 0 ? 0 : (read + written) / ops },
    ...(reports.some((r) => r.delivery) ? { delivery: deliveryMetrics(reports, seconds) } : {}),
    ...(usage.server ? { server: serverMetrics(usage.server, ops, durationMs) } : {}),
    ...machineMetrics(usage, durationMs),
    driver: {
      workers: usage.workers,
      ...(usage.processes === undefined ? {} : { processes: usage.processes }),
      ...(usage.sourceAddresses === undefined ? {} : { sourceAddresses: usage.sourceAddresses }),
      ...(usage.pacing && load.model !== 'closed' ? { pacing: usage.pacing } : {}),
      cpuUs: usage.driverCpuUs,
      cpuUsPerOp: ops === 0 ? 0 : usage.driverCpuUs / ops,
      ...(pacingUs > 0 ? { pacingUs } : {}),
      cpuUtilization: durationMs === 0 ? 0 : usage.driverCpuUs / (durationMs * 1000),
      eventLoopDelay: busiest?.eventLoopDelay ?? { p50: 0, p99: 0, max: 0 },
      eventLoopUtilization: elu,
      sendLagP99: sendLag.p99,
    },
  };
  return { ...figures, verdict: decideVerdict(figures, rules) };
}

function machineMetrics(usage: WindowUsage, durationMs: number): Pick<Measurement, 'machine'> {
  if (usage.machineBusyUs === undefined || !usage.server || durationMs === 0) return {};
  const windowUs = durationMs * 1000;
  const serverUs = usage.server.cpuUs + sum(usage.server.helpers ?? [], (h) => h.cpuUs);
  const other = Math.max(0, usage.machineBusyUs - usage.driverCpuUs - serverUs);
  return {
    machine: {
      cores: machineCores(),
      busyCores: round2(usage.machineBusyUs / windowUs),
      otherCores: round2(other / windowUs),
    },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Server CPU per op; with helper processes, their CPU is added to the server's and listed per helper. */
/** CPU of the busiest server-side process (the server or one of its helpers), µs. */
function busiestServerProcess(server: NonNullable<WindowUsage['server']>): number {
  return Math.max(server.cpuUs, ...(server.helpers ?? []).map((h) => h.cpuUs));
}

function serverMetrics(
  server: NonNullable<WindowUsage['server']>,
  ops: number,
  durationMs: number,
): ServerMetrics {
  const perOp = (us: number): number => (ops === 0 ? 0 : us / ops);
  const helpers = server.helpers ?? [];
  const cpuUs = server.cpuUs + sum(helpers, (h) => h.cpuUs);
  return {
    cpuUs,
    cpuUsPerOp: perOp(cpuUs),
    ...(durationMs > 0 ? { cpuUtilization: round2(busiestServerProcess(server) / (durationMs * 1000)) } : {}),
    maxRssBytes: server.maxRssBytes,
    ...(server.helpers
      ? {
          helpers: helpers.map((h) => ({
            role: h.role,
            cpuUs: h.cpuUs,
            cpuUsPerOp: perOp(h.cpuUs),
            maxRssBytes: h.maxRssBytes,
          })),
        }
      : {}),
    ...(server.unmeasured ? { unmeasured: server.unmeasured } : {}),
    ...(server.counters ? { counters: server.counters } : {}),
  };
}

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

function deliveryMetrics(reports: readonly DriverReport[], seconds: number): DeliveryMetrics {
  const parts = reports.flatMap((r) => (r.delivery ? [r.delivery] : []));
  const delivered = sum(parts, (d) => d.delivered);
  const published = sum(parts, (d) => d.published);
  const perMessage = parts[0]?.perMessage ?? 0;
  return {
    subscribers: sum(parts, (d) => d.subscribers),
    perMessage,
    published,
    expected: published * perMessage,
    delivered,
    lost: sum(parts, (d) => d.lost),
    undrained: sum(parts, (d) => d.undrained),
    late: sum(parts, (d) => d.late),
    unackedDelivered: sum(parts, (d) => d.unackedDelivered),
    duplicated: sum(parts, (d) => d.duplicated),
    outOfOrder: sum(parts, (d) => d.outOfOrder),
    mismatched: sum(parts, (d) => d.mismatched),
    throughput: seconds > 0 ? sum(parts, (d) => d.inWindow) / seconds : 0,
    latency: summarizeHistogram(mergeEncoded(parts.map((d) => d.latency))),
    skew: summarizeHistogram(mergeEncoded(parts.map((d) => d.skew))),
    jitter: summarizeHistogram(mergeEncoded(parts.map((d) => d.jitter))),
    subscribe: summarizeHistogram(mergeEncoded(parts.map((d) => d.subscribe))),
    bytesPerDelivery: delivered === 0 ? 0 : sum(parts, (d) => d.bytes * d.delivered) / delivered,
    ...subscriptionCosts(
      sum(parts, (d) => d.requests),
      sum(parts, (d) => d.emptyRequests),
      mergeEncoded(parts.map((d) => d.reconnect)),
    ),
  };
}

/** The optional costs of keeping subscriptions: present only when something was reported. */
function subscriptionCosts(
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

/** One point per second of the window: the drivers' seconds summed, their histograms merged exactly. */
export function mergeTimelines(reports: readonly Pick<DriverReport, 'timeline'>[]): TimelinePoint[] {
  const length = Math.max(0, ...reports.map((r) => r.timeline.length));
  const points: TimelinePoint[] = [];
  for (let i = 0; i < length; i++) {
    const seconds = reports.flatMap((r) => r.timeline.slice(i, i + 1));
    const h = mergeEncoded(seconds.map((s) => s.latency));
    const at = (p: number): number => (h.totalCount === 0 ? 0 : h.getValueAtPercentile(p));
    points.push({
      t: i + 1,
      ops: sum(seconds, (s) => s.ops),
      errors: sum(seconds, (s) => s.errors),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      max: h.totalCount === 0 ? 0 : h.maxValue,
    });
  }
  return points;
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

function sum<T>(items: readonly T[], f: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += f(item);
  return total;
}

function sumErrors(all: readonly Readonly<Record<ErrorKind, number>>[]): Record<ErrorKind, number> {
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
