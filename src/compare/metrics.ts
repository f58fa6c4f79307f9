/**
 * The metrics `compare` and `check` know, read from one Measurement (a repetition or the merged
 * summary). One table so both commands accept the same names and print the same units.
 */
import type { Measurement } from '../result/types.js';
import { formatBytes, formatCount, formatMicros, formatPercent } from '../units.js';

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

const latency = (key: 'mean' | 'p50' | 'p90' | 'p99' | 'p999' | 'max', what: string): MetricDef => ({
  name: key,
  description: `${what} latency (µs; rate cases from the intended send time)`,
  unit: 'µs',
  better: 'lower',
  read: (m) => (m.latency.count > 0 ? m.latency[key] : undefined),
});

/** Every metric, in the order they are listed in help and errors. */
export const metrics: readonly MetricDef[] = [
  {
    name: 'throughput',
    description: 'completed operations per second',
    unit: 'ops/s',
    better: 'higher',
    read: (m) => m.throughput,
  },
  latency('mean', 'mean'),
  latency('p50', 'median'),
  latency('p90', '90th percentile'),
  latency('p99', '99th percentile'),
  latency('p999', '99.9th percentile'),
  latency('max', 'maximum'),
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

/** The metric called `name` (case-insensitive, aliases such as p99.9 and median accepted). */
export function findMetric(name: string): MetricDef | undefined {
  const key = aliases[name] ?? aliases[name.toLowerCase()] ?? name;
  return metrics.find((m) => m.name.toLowerCase() === key.toLowerCase());
}

/** A value in the metric's unit as people read it: 1.23ms, 24.3k ops/s, 1.0KiB, 3.1%. */
export function formatMetric(def: MetricDef, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  switch (def.unit) {
    case 'µs':
      return formatMicros(value);
    case 'ops/s':
      return `${formatCount(value)}/s`;
    case 'bytes':
      return formatBytes(value);
    case 'ratio':
      return formatPercent(value);
    case 'count':
      return formatCount(value);
  }
}
