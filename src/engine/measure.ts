import { mergeEncoded, summarizeHistogram } from '../metrics/histogram.js';
import { machineCores } from '../metrics/machine.js';
import { errorKinds, type ErrorKind } from '../result/types.js';
import type { DeliveryMetrics, Measurement, ServerMetrics, UnmeasuredProcess } from '../result/types.js';
import type { LoadSpec } from '../plan/types.js';
import type { DriverReport } from './driver.js';
import { backlogMetrics } from './load/open.js';
import { loadDefinition } from './load/registry.js';
import type { HelperUsage } from './server-host.js';
import { totalErrors } from './recorder.js';
import { decideVerdict, type WindowFigures } from './verdict.js';
import { mergeTimelines, round2, subscriptionCosts, sum, sumErrors } from './aggregate.js';

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
    timeline: mergeTimelines(reports.map((r) => r.timeline)),
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
