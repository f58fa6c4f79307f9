/**
 * The metrics `compare` and `check` know, read from one Measurement (a repetition or the merged
 * summary). One table so both commands accept the same names and print the same units.
 */
import type { LatencySummary, Measurement } from '../result/types.js';
import { p95Of } from '../metrics/histogram.js';
import { formatBytes, formatInteger, formatMicros, formatPercent } from '../units.js';

/** What a metric's value is, which decides how thresholds are written and values shown. */
export type MetricUnit = 'ops/s' | 'µs' | 'bytes' | 'count' | 'ratio';

export interface MetricDef {
  readonly name: string;
  readonly description: string;
  readonly unit: MetricUnit;
  /** Which direction is better: a 'lower' metric regresses when it goes up. */
  readonly better: 'higher' | 'lower';
  /** The value of this metric in `m`, or undefined when the result does not have it. */
  read(m: Measurement): number | undefined;
}

type LatencyKey = 'mean' | 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max';
const latencyKeys: readonly [LatencyKey, string][] = [
  ['mean', 'mean'],
  ['p50', 'median'],
  ['p90', '90th percentile'],
  ['p95', '95th percentile'],
  ['p99', '99th percentile'],
  ['p999', '99.9th percentile'],
  ['max', 'maximum'],
];

/** p95 absent from results written before it was stored: read from the encoded histogram. */
const latencyOf = (summary: LatencySummary | undefined, key: LatencyKey): number | undefined =>
  summary && summary.count > 0 ? (key === 'p95' ? p95Of(summary) : summary[key]) : undefined;

/**
 * Push and queue rows (a measurement with `delivery`) have two figures for "throughput" and
 * "latency": the subscribers' (deliveries/s, publish → receipt: what the report table shows) and the
 * publisher's (publishes acknowledged/s, publish → ack). The plain names read what the table shows;
 * `delivery.*` and `publish.throughput` / `ack.*` name one side explicitly (absent on
 * request/response rows).
 */
const plainLatency = (key: LatencyKey, what: string): MetricDef => ({
  name: key,
  description: `${what} latency (µs; rate cases from the intended send time; push/queue rows: publish → delivery, as the table shows)`,
  unit: 'µs',
  better: 'lower',
  read: (m) => latencyOf(m.delivery ? m.delivery.latency : m.latency, key),
});

const deliveryLatency = (key: LatencyKey, what: string): MetricDef => ({
  name: `delivery.${key}`,
  description: `push/queue rows: ${what} latency from publish to receipt at a subscriber (µs)`,
  unit: 'µs',
  better: 'lower',
  read: (m) => latencyOf(m.delivery?.latency, key),
});

const ackLatency = (key: LatencyKey, what: string): MetricDef => ({
  name: `ack.${key}`,
  description: `push/queue rows: ${what} latency from publish to the publisher's acknowledgement (µs)`,
  unit: 'µs',
  better: 'lower',
  read: (m) => (m.delivery ? latencyOf(m.latency, key) : undefined),
});

/** Every metric, in the order they are listed in help and errors. */
export const metrics: readonly MetricDef[] = [
  {
    name: 'throughput',
    description:
      'completed operations per second (push/queue rows: deliveries per second, as the table shows)',
    unit: 'ops/s',
    better: 'higher',
    read: (m) => (m.delivery ? m.delivery.throughput : m.throughput),
  },
  ...latencyKeys.map(([k, what]) => plainLatency(k, what)),
  {
    name: 'delivery.throughput',
    description: 'push/queue rows: deliveries received by the subscribers per second',
    unit: 'ops/s',
    better: 'higher',
    read: (m) => m.delivery?.throughput,
  },
  ...latencyKeys.map(([k, what]) => deliveryLatency(k, what)),
  {
    name: 'publish.throughput',
    description: 'push/queue rows: publishes acknowledged per second (the publisher side)',
    unit: 'ops/s',
    better: 'higher',
    read: (m) => (m.delivery ? m.throughput : undefined),
  },
  ...latencyKeys.map(([k, what]) => ackLatency(k, what)),
  {
    name: 'serverCpu',
    description: 'server CPU time per operation (µs)',
    unit: 'µs',
    better: 'lower',
    read: (m) => m.server?.cpuUsPerOp,
  },
  {
    name: 'driverCpu',
    description: 'load generator CPU time per operation (µs)',
    unit: 'µs',
    better: 'lower',
    read: (m) => m.driver.cpuUsPerOp,
  },
  {
    name: 'wire',
    description: 'bytes on the client sockets per operation',
    unit: 'bytes',
    better: 'lower',
    read: (m) => m.wire.perOp,
  },
  {
    name: 'payload',
    description: 'serialized request + response bytes per operation',
    unit: 'bytes',
    better: 'lower',
    read: (m) => m.payload.perOp,
  },
  {
    name: 'errors',
    description: 'failed operations (count)',
    unit: 'count',
    better: 'lower',
    read: (m) => m.errors.total,
  },
  {
    name: 'errorRate',
    description: 'failed / (completed + failed) operations',
    unit: 'ratio',
    better: 'lower',
    read: (m) => m.errors.total / Math.max(1, m.ops + m.errors.total),
  },
  {
    name: 'dropped',
    description: 'rate model: operations never sent because maxInFlight were outstanding (count)',
    unit: 'count',
    better: 'lower',
    read: (m) => m.dropped,
  },
];

export const metricNames: readonly string[] = metrics.map((m) => m.name);

/** Aliases accepted on the command line for convenience. */
const aliases: Readonly<Record<string, string>> = {
  'p99.9': 'p999',
  median: 'p50',
  ops: 'throughput',
  rps: 'throughput',
  'ops/s': 'throughput',
  cpu: 'serverCpu',
};

/** The metric called `name` (case-insensitive, aliases such as p99.9, median, delivery.p99.9 accepted). */
export function findMetric(name: string): MetricDef | undefined {
  const alias = (n: string): string => aliases[n] ?? aliases[n.toLowerCase()] ?? n;
  const side = /^(delivery|ack|publish)\.(.+)$/i.exec(name);
  let key = alias(name);
  if (side) {
    const prefix = side[1]!.toLowerCase();
    const inner = alias(side[2]!);
    // The publisher side has one throughput (publish.) and its latency (ack.): accept either prefix.
    const own =
      inner === 'throughput'
        ? prefix === 'ack'
          ? 'publish'
          : prefix
        : prefix === 'publish'
          ? 'ack'
          : prefix;
    key = `${own}.${inner}`;
  }
  return metrics.find((m) => m.name.toLowerCase() === key.toLowerCase());
}

/**
 * A value in the metric's unit as people read it: 1.23ms, 24,310/s, 1.0KiB, 3.1%. Rates and counts
 * use one format at every magnitude (the report table's: 98,450/s; 12.5/s below 100), so a column
 * of them lines up and reads the same way.
 */
export function formatMetric(def: MetricDef, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  switch (def.unit) {
    case 'µs':
      return formatMicros(value);
    case 'ops/s':
      return `${formatQuantity(value)}/s`;
    case 'bytes':
      return formatBytes(value);
    case 'ratio':
      return formatPercent(value);
    case 'count':
      return formatQuantity(value);
  }
}

function formatQuantity(value: number): string {
  return Math.abs(value) < 100 && !Number.isInteger(value) ? value.toFixed(1) : formatInteger(value);
}
