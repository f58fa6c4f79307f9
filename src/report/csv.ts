/**
 * CSV reporter (RFC 4180 via csv-stringify: comma, '\n' lines, quoted where needed): one row per case and
 * repetition plus one 'all' row per case with the merged summary, every number in its base unit
 * (µs, bytes, ops/s) so spreadsheets and scripts need no unit parsing. Pure.
 */
import { stringify } from 'csv-stringify/sync';
import { p95Of } from '../metrics/histogram.js';
import type { CaseResult, Measurement, Result } from '../result/types.js';

export const csvColumns = [
  'case_id',
  'pattern',
  'options',
  'payload_size',
  'payload_shape',
  'load_model',
  'connections',
  'in_flight',
  'rate',
  'workers',
  'repetition',
  'status',
  'end_reason',
  'duration_ms',
  'ops',
  'throughput',
  'latency_mean_us',
  'latency_p50_us',
  'latency_p90_us',
  'latency_p95_us',
  'latency_p99_us',
  'latency_p999_us',
  'latency_max_us',
  'service_p50_us',
  'service_p99_us',
  'errors',
  'errors_timeout',
  'errors_connection',
  'errors_protocol',
  'errors_mismatch',
  'errors_rejected',
  'errors_oversize',
  'dropped',
  'payload_bytes_per_op',
  'wire_bytes_per_op',
  'server_cpu_us_per_op',
  'server_max_rss_bytes',
  'driver_cpu_us_per_op',
  'limited_by',
] as const;

type Row = Record<(typeof csvColumns)[number], string | number | boolean | undefined>;

function rowOf(c: CaseResult, m: Measurement | undefined, repetition: string): Row {
  const s = c.spec;
  // No successful operation: no latency (empty cells), not 0.
  const timed = m && m.latency.count > 0 ? m : undefined;
  return {
    case_id: s.id,
    pattern: s.pattern,
    options: Object.keys(s.options).length > 0 ? JSON.stringify(s.options) : '',
    payload_size: s.payload.size,
    payload_shape: s.payload.shape,
    load_model: s.load.model,
    connections: s.load.connections,
    in_flight: s.load.inFlight,
    rate: 'rate' in s.load ? s.load.rate : undefined,
    workers: s.workers,
    repetition,
    status: c.status,
    end_reason: m?.endReason,
    duration_ms: m?.durationMs,
    ops: m?.ops,
    throughput: m?.throughput,
    latency_mean_us: timed?.latency.mean,
    latency_p50_us: timed?.latency.p50,
    latency_p90_us: timed?.latency.p90,
    latency_p95_us: timed ? p95Of(timed.latency) : undefined,
    latency_p99_us: timed?.latency.p99,
    latency_p999_us: timed?.latency.p999,
    latency_max_us: timed?.latency.max,
    service_p50_us: timed?.service.p50,
    service_p99_us: timed?.service.p99,
    errors: m?.errors.total,
    errors_timeout: m?.errors.timeout,
    errors_connection: m?.errors.connection,
    errors_protocol: m?.errors.protocol,
    errors_mismatch: m?.errors.mismatch,
    errors_rejected:
      m === undefined ? undefined : ((m.errors as Partial<Record<string, number>>).rejected ?? 0),
    errors_oversize:
      m === undefined ? undefined : ((m.errors as Partial<Record<string, number>>).oversize ?? 0),
    dropped: m?.dropped,
    payload_bytes_per_op: m?.payload.perOp,
    wire_bytes_per_op: m?.wire.perOp,
    server_cpu_us_per_op: m?.server?.cpuUsPerOp,
    server_max_rss_bytes: m?.server?.maxRssBytes,
    driver_cpu_us_per_op: m?.driver.cpuUsPerOp,
    limited_by: m?.verdict.limit,
  };
}

/** Renders the result as CSV with a header line (ends with a newline). */
export function renderCsv(result: Result): string {
  const rows = result.cases.flatMap((c) => [
    rowOf(c, c.summary, 'all'),
    ...c.repetitions.map((r) => rowOf(c, r, String(r.repetition + 1))),
  ]);
  return stringify(rows, {
    header: true,
    columns: [...csvColumns],
    record_delimiter: '\n',
    // Spreadsheets read true/false; a number that is not finite is an empty cell.
    cast: {
      boolean: (v) => String(v),
      number: (v) => (Number.isFinite(v) ? String(v) : ''),
    },
  });
}
