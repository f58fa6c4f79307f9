/**
 * Prometheus text exposition (format 0.0.4, which Prometheus and OpenMetrics-aware scrapers read
 * and `promtool check metrics` validates) of a result: per case, the merged latency as a histogram
 * (cumulative buckets read exactly from the HDR histogram) and as a summary (quantiles), the counters
 * of the window and the per-operation gauges. Every sample carries the labels scenario, case,
 * case_id, pattern, payload_bytes and load, so several results can be pushed to one
 * Pushgateway or loaded with `promtool tsdb create-blocks-from openmetrics`. Units are base units
 * (seconds, bytes). Pure.
 */
import { JsHistogram } from 'hdr-histogram-js';
import { decodeHistogram } from '../metrics/histogram.js';
import { errorKinds } from '../result/types.js';
import type { LatencySummary, Measurement, Result } from '../result/types.js';
import { buildSummary, formatLoad } from './model.js';

/** Histogram bucket bounds, seconds: 10 µs … 10 s in 1-2.5-5 steps. */
export const latencyBuckets: readonly number[] = [
  1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  10,
];

const quantiles = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
] as const;

type Labels = Readonly<Record<string, string>>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A float as the exposition format writes it (Go-style: +Inf, NaN, plain decimals). */
function value(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return String(Number(x.toPrecision(12)));
}

/** Cumulative counts of recorded values ≤ each bound (µs), read from an HDR histogram exactly. */
export function cumulativeCounts(encoded: string, boundsUs: readonly number[]): number[] {
  const h = decodeHistogram(encoded);
  const counts = boundsUs.map(() => 0);
  if (!(h instanceof JsHistogram) || h.totalCount === 0) return counts;
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    // A bucket's values are equivalent up to HDR precision (3 digits); its lowest value places it.
    const low = h.lowestEquivalentValue(v.valueIteratedTo);
    for (let i = 0; i < boundsUs.length; i++)
      if (low <= boundsUs[i]!) counts[i]! += v.countAddedInThisIterationStep;
  }
  return counts;
}

class Family {
  readonly lines: string[] = [];
  constructor(
    readonly name: string,
    readonly type: 'counter' | 'gauge' | 'histogram' | 'summary',
    readonly help: string,
  ) {}
  sample(suffix: string, labels: Labels, x: number): void {
    this.lines.push(`${this.name}${suffix}${labelText(labels)} ${value(x)}`);
  }
  text(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines].join('\n');
  }
}

/** Renders `result` as Prometheus text exposition (ends with a newline). */
export function renderOpenMetrics(result: Result): string {
  const f = {
    info: new Family('commbench_run_info', 'gauge', 'The run: commbench version, node, CPU; always 1.'),
    latency: new Family(
      'commbench_latency_seconds',
      'histogram',
      'Operation latency as the user sees it (rate loads: from the scheduled send time).',
    ),
    quantiles: new Family(
      'commbench_latency_quantile_seconds',
      'summary',
      'Operation latency percentiles from the merged HDR histogram.',
    ),
    service: new Family(
      'commbench_service_time_quantile_seconds',
      'summary',
      'Service time (actual send to completion) percentiles.',
    ),
    max: new Family('commbench_latency_max_seconds', 'gauge', 'Largest operation latency of the window.'),
    ops: new Family('commbench_operations_total', 'counter', 'Operations completed in the measured window.'),
    errors: new Family(
      'commbench_errors_total',
      'counter',
      'Failed operations in the measured window, by kind.',
    ),
    dropped: new Family(
      'commbench_dropped_operations_total',
      'counter',
      'Rate loads: operations that fell due while maxInFlight were outstanding, never sent.',
    ),
    window: new Family('commbench_measured_seconds', 'gauge', 'Length of the measured window(s).'),
    throughput: new Family(
      'commbench_throughput_operations_per_second',
      'gauge',
      'Completed operations per measured second (push and queue cases: deliveries).',
    ),
    payload: new Family(
      'commbench_payload_bytes_per_operation',
      'gauge',
      'Serialized request + response body bytes per operation.',
    ),
    wire: new Family(
      'commbench_wire_bytes_per_operation',
      'gauge',
      "Bytes on the driver's sockets per operation (framing and headers included).",
    ),
    cpu: new Family(
      'commbench_cpu_seconds_total',
      'counter',
      'CPU time used in the window by side: driver, server (with its helper processes).',
    ),
    cpuPerOp: new Family('commbench_cpu_seconds_per_operation', 'gauge', 'CPU time per operation by side.'),
  };
  const env = result.environment;
  f.info.sample(
    '',
    {
      scenario: result.plan.name,
      version: result.tool.version,
      node: env.node,
      cpu: env.cpuModel,
      cores: String(env.cores),
      started: result.startedAt,
      end_reason: result.endReason,
    },
    1,
  );
  const boundsUs = latencyBuckets.map((s) => Math.round(s * 1e6));
  for (const row of buildSummary(result).rows) {
    const m: Measurement | undefined = row.result?.summary;
    if (!m) continue;
    const labels: Labels = {
      scenario: result.plan.name,
      case: row.cells.case,
      case_id: row.spec.id,
      pattern: row.spec.pattern,
      payload_bytes: String(row.spec.payload.size),
      load: formatLoad(row.spec),
    };
    const latency: LatencySummary = m.delivery ? m.delivery.latency : m.latency;
    if (latency.encoded !== '') {
      const counts = cumulativeCounts(latency.encoded, boundsUs);
      latencyBuckets.forEach((le, i) =>
        f.latency.sample('_bucket', { ...labels, le: value(le) }, counts[i]!),
      );
      f.latency.sample('_bucket', { ...labels, le: '+Inf' }, latency.count);
      f.latency.sample('_sum', labels, (latency.mean * latency.count) / 1e6);
      f.latency.sample('_count', labels, latency.count);
    }
    const summary = (fam: Family, l: LatencySummary): void => {
      for (const [q, key] of quantiles) fam.sample('', { ...labels, quantile: q }, l[key] / 1e6);
      fam.sample('_sum', labels, (l.mean * l.count) / 1e6);
      fam.sample('_count', labels, l.count);
    };
    // No successful operation: no quantiles (absent, not 0); the _count of 0 says so.
    if (latency.count > 0) {
      summary(f.quantiles, latency);
      if (!m.delivery) summary(f.service, m.service);
      f.max.sample('', labels, latency.max / 1e6);
    }
    f.ops.sample('', labels, m.ops);
    for (const k of errorKinds)
      f.errors.sample('', { ...labels, kind: k }, (m.errors as Partial<Record<string, number>>)[k] ?? 0);
    f.dropped.sample('', labels, m.dropped);
    f.window.sample('', labels, m.durationMs / 1000);
    f.throughput.sample('', labels, m.delivery ? m.delivery.throughput : m.throughput);
    f.payload.sample('', labels, m.payload.perOp);
    f.wire.sample('', labels, m.wire.perOp);
    f.cpu.sample('', { ...labels, side: 'driver' }, m.driver.cpuUs / 1e6);
    f.cpuPerOp.sample('', { ...labels, side: 'driver' }, m.driver.cpuUsPerOp / 1e6);
    if (m.server) {
      f.cpu.sample('', { ...labels, side: 'server' }, m.server.cpuUs / 1e6);
      f.cpuPerOp.sample('', { ...labels, side: 'server' }, m.server.cpuUsPerOp / 1e6);
    }
  }
  const families = Object.values(f).filter((fam) => fam.lines.length > 0);
  return `${families.map((fam) => fam.text()).join('\n')}\n`;
}
