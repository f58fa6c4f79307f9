/**
 * The summary table every human-facing reporter shows (terminal, markdown, HTML), built once from a
 * Result as plain strings so the formats cannot disagree. Renderers only lay it out.
 */
import type { CaseResult, Measurement, Result } from '../result/types.js';
import type { CaseSpec } from '../plan/types.js';
import { notesOf } from './notes.js';
import {
  errorAbbrev,
  errorKindsInOrder,
  reasonOf,
  rowMessageMax,
  truncate,
  unexplainedPartials,
  type Flag,
  type SummaryColumnKey,
  type SummaryRow,
  type SummaryTable,
} from './rows.js';
import {
  formatBytes,
  formatCount,
  formatInteger,
  formatMicros,
  formatPercent,
  formatSize,
} from '../units.js';

/** The table's shapes live in rows.ts (notes.ts reads them too); re-exported for the reporters. */
export {
  errorKindsInOrder,
  reasonOf,
  rowMessageMax,
  summaryColumns,
  truncate,
  unexplainedPartials,
  visibleColumns,
  type Flag,
  type SummaryColumnKey,
  type SummaryNote,
  type SummaryRow,
  type SummaryTable,
} from './rows.js';

/**
 * The load column: the label the load model gave the case when it was resolved ('closed c=50×1',
 * 'rate 2000/s c=50', 'ramp 100→2000/s × 8 conn', with ' w=4' when the driver uses worker threads).
 */
export function formatLoad(spec: Pick<CaseSpec, 'loadInfo'>): string {
  return spec.loadInfo.label;
}

/**
 * Short row labels: the pattern, the payload size, and whatever else varies across the plan
 * (shape, pattern options, server delay, target). Falls back to `spec.id` when two rows with the
 * same load would otherwise read the same.
 */
export function caseLabels(specs: readonly CaseSpec[]): string[] {
  const varies = (f: (s: CaseSpec) => string): boolean => new Set(specs.map(f)).size > 1;
  const optionKeys = [...new Set(specs.flatMap((s) => Object.keys(s.options)))].sort();
  const varyingOptions = optionKeys.filter((k) => varies((s) => JSON.stringify(s.options[k]) ?? ''));
  const showShape = varies((s) => s.payload.shape) || specs.some((s) => s.payload.shape !== 'mixed');
  const showDelay = specs.some((s) => s.serverDelayMs > 0);
  const showTarget = varies((s) => s.target ?? '');
  const labels = specs.map((s) => {
    // The case's label ('capacity', 'grpc-js client'); a search written before labels were kept says capacity.
    const label = s.label ?? (s.load.model === 'knee' ? 'capacity' : undefined);
    const parts = [s.pattern, ...(label === undefined ? [] : [label]), formatSize(s.payload.size)];
    if (showShape) parts.push(s.payload.shape);
    // A labelled case is told apart by its label, as in its id (src/scenario/expand.ts assignIds).
    for (const k of s.label === undefined ? varyingOptions : []) {
      const v = s.options[k];
      if (v !== undefined) parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
    if (showDelay) parts.push(`delay=${s.serverDelayMs}ms`);
    if (showTarget && s.target !== undefined) parts.push(`→${s.target}`);
    return parts.join(' ');
  });
  const keys = labels.map((l, i) => `${l}\0${formatLoad(specs[i]!)}`);
  return new Set(keys).size === keys.length ? labels : specs.map((s) => s.id);
}

/** Throughput spread across repetitions: sample standard deviation / mean (0 with one repetition). */
export function throughputSpread(repetitions: readonly Measurement[]): number {
  const n = repetitions.length;
  if (n < 2) return 0;
  const mean = repetitions.reduce((a, r) => a + r.throughput, 0) / n;
  if (mean === 0) return 0;
  const variance = repetitions.reduce((a, r) => a + (r.throughput - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance) / mean;
}

/** The flags of one case, most serious first. */
export function caseFlags(c: CaseResult): Flag[] {
  const flags: Flag[] = [];
  const m = c.summary;
  if (c.status === 'failed') {
    flags.push({ code: 'failed', severity: 'error', text: 'failed' });
  }
  if (c.status === 'server-crashed')
    flags.push({ code: 'server-crashed', severity: 'error', text: 'server-crashed' });
  if (c.status === 'interrupted') flags.push({ code: 'interrupted', severity: 'error', text: 'interrupted' });
  const limited = m ? verdictFlag(m) : undefined;
  if (limited) flags.push(limited);
  const partial = unexplainedPartials(c).length;
  if (partial > 0) flags.push({ code: 'partial', severity: 'warn', text: 'partial' });
  if (c.spec.repeat > 1) {
    const n = c.repetitions.length;
    const count = n < c.spec.repeat ? `${n}/${c.spec.repeat}` : String(n);
    const spread = n > 1 ? ` ±${formatPercent(throughputSpread(c.repetitions))}` : '';
    flags.push({ code: 'reps', severity: 'info', text: `reps=${count}${spread}` });
  }
  return flags;
}

/** The flag of the stored verdict (src/engine/verdict.ts decided it when the window was measured). */
function verdictFlag(m: Measurement): Flag | undefined {
  switch (m.verdict.limit) {
    case 'none':
      return undefined;
    case 'DRIVER-LIMITED':
      return { code: 'driver-saturated', severity: 'error', text: 'DRIVER-LIMITED' };
    case 'SERVER-LIMITED': {
      // Its evidence in the cell: operations that waited for a connection, and the share dropped.
      const queued = m.backlog?.queued ?? 0;
      const evidence = [
        ...(queued > 0 ? [`queued ${formatInteger(queued)}`] : []),
        ...(m.dropped > 0 ? [`dropped ${formatPercent(m.dropped / (m.sent + m.dropped))}`] : []),
      ];
      return {
        code: 'server-limited',
        severity: 'warn',
        text: ['SERVER-LIMITED', evidence.join(', ')].filter(Boolean).join(' '),
      };
    }
    case 'CPU-BOUND':
      return { code: 'cpu-bound', severity: 'info', text: 'CPU-BOUND' };
    case 'BUSY-MACHINE':
      return {
        code: 'busy-machine',
        severity: 'warn',
        text: `BUSY-MACHINE ${m.verdict.figures.otherCores ?? m.machine?.otherCores ?? '?'} cores`,
      };
  }
}

/**
 * Driver CPU per operation: everything the driver process used, with the share it spent pacing
 * (waiting for due times) beside it when there was any: '612µs (92% pacing)'.
 */
function formatDriverCpu(d: Measurement['driver']): string {
  const total = formatMicros(d.cpuUsPerOp);
  if (!d.pacingUs || d.cpuUs <= 0) return total;
  return `${total} (${formatPercent(d.pacingUs / d.cpuUs)} pacing)`;
}

function formatErrors(m: Measurement): string {
  const total = m.errors.total;
  if (total === 0) return '0';
  const kinds = errorKindsInOrder.filter((k) => (m.errors[k] ?? 0) > 0);
  if (kinds.length === 1 && m.errors[kinds[0]!] === total)
    return `${formatCount(total)} ${errorAbbrev[kinds[0]!]}`;
  return `${formatCount(total)} (${kinds.map((k) => `${formatCount(m.errors[k])} ${errorAbbrev[k]}`).join(', ')})`;
}

/**
 * What a row's detail column says beyond the common metrics: for push and queue cases who received
 * what, for connection-cost cases the server's memory and descriptors per connection, for cases
 * whose server runs helper processes (proxies, chain hops) their CPU per operation.
 */
function detailOf(m: Measurement | undefined, spec?: CaseSpec): string {
  if (!m) return '';
  const parts: string[] = [];
  if (m.search) parts.push(m.search.verdict);
  const spread = m.search?.spread;
  if (spread && (m.search?.capacities?.length ?? 0) > 1) {
    const range = `${formatInteger(spread.min)}–${formatInteger(spread.max)}/s`;
    parts.push(
      `capacity over ${spread.n} of ${m.search?.capacities?.length} repetitions: CV ${(100 * spread.cv).toFixed(1)}%, ${range}`,
    );
  }
  const d = m.delivery;
  if (d) {
    parts.push(`${formatInteger(d.subscribers)} sub${d.subscribers === 1 ? '' : 's'}`);
    parts.push(
      d.lost === 0 && d.duplicated === 0
        ? 'none lost'
        : `lost ${formatInteger(d.lost)}, dup ${formatInteger(d.duplicated)}`,
    );
    // Not lost, not delivered in the window: each its own count (absent in older results).
    if ((d.undrained ?? 0) > 0) parts.push(`${formatInteger(d.undrained ?? 0)} still queued`);
    if ((d.late ?? 0) > 0) parts.push(`${formatInteger(d.late ?? 0)} late`);
    if ((d.unackedDelivered ?? 0) > 0)
      parts.push(`${formatInteger(d.unackedDelivered ?? 0)} delivered unacked`);
    if (d.outOfOrder > 0) parts.push(`${formatInteger(d.outOfOrder)} out of order`);
    if (d.perMessage > 1 && d.skew.count > 0) parts.push(`skew p99 ${formatMicros(d.skew.p99)}`);
    if (d.requests && d.delivered > 0)
      parts.push(`${(d.requests.total / d.delivered).toFixed(2)} req/update`);
    if (d.reconnect && d.reconnect.count > 0) parts.push(`reconnect p50 ${formatMicros(d.reconnect.p50)}`);
  }
  const c = m.connections;
  if (c) {
    if (c.server) {
      parts.push(
        `srv ${formatBytes(c.server.rssPerConnectionBytes)}/conn`,
        `${c.server.fdsPerConnection.toFixed(2)} fd/conn`,
      );
    }
    parts.push(`drv ${formatBytes(c.driverRssPerConnectionBytes)}/conn`);
    if (c.heldOpen < c.opened) parts.push(`held ${formatInteger(c.heldOpen)}/${formatInteger(c.opened)}`);
    parts.push(`opened in ${formatMicros(c.openMs * 1000)}`);
    const b = c.broadcast;
    if (b) {
      const lost = b.subscribers - b.received;
      parts.push(
        `broadcast p50 ${formatMicros(b.p50Us)} p99 ${formatMicros(b.p99Us)} last ${formatMicros(b.lastUs)}` +
          (lost > 0
            ? `, ${formatInteger(lost)} of ${formatInteger(b.subscribers)} not received`
            : ', none lost'),
      );
    }
  }
  // Spread over processes or source addresses: say so beside the figures they make up.
  if ((m.driver.processes ?? 1) > 1) parts.push(`${m.driver.processes} driver processes`);
  if ((spec?.serverProcesses ?? 1) > 1) parts.push(`${spec?.serverProcesses} server processes`);
  if ((m.driver.sourceAddresses ?? 1) > 1) parts.push(`${m.driver.sourceAddresses} source addresses`);
  for (const h of m.server?.helpers ?? []) parts.push(`${h.role} ${formatMicros(h.cpuUsPerOp)}/op`);
  for (const u of m.server?.unmeasured ?? []) parts.push(`${u.role} CPU not measured`);
  return parts.join(', ');
}

function cellsOf(label: string, spec: CaseSpec, m: Measurement | undefined, flags: readonly Flag[]) {
  const dash = '-';
  // Push and queue rows: throughput and latency are the subscribers' (deliveries/s, publish → receipt).
  const rate = m?.delivery ? m.delivery.throughput : m?.throughput;
  // No successful operation: latency and per-operation costs are absent, not 0.
  const latency = m?.delivery ? m.delivery.latency : m?.latency;
  const timed = latency && latency.count > 0 ? latency : undefined;
  const perOp = m && m.ops > 0 ? m : undefined;
  return {
    case: label,
    load: formatLoad(spec),
    opsPerSec: rate === undefined ? dash : rate < 100 ? rate.toFixed(1) : formatInteger(rate),
    p50: timed ? formatMicros(timed.p50) : dash,
    p99: timed ? formatMicros(timed.p99) : dash,
    p999: timed ? formatMicros(timed.p999) : dash,
    max: timed ? formatMicros(timed.max) : dash,
    payload: perOp ? formatBytes(perOp.payload.perOp) : dash,
    wire: perOp ? formatBytes(perOp.wire.perOp) : dash,
    serverCpu: perOp?.server ? formatMicros(perOp.server.cpuUsPerOp) : dash,
    driverCpu: perOp ? formatDriverCpu(perOp.driver) : dash,
    errors: m ? formatErrors(m) : dash,
    detail: detailOf(m, spec),
    flags: flags.map((f) => f.text).join(', '),
  } satisfies Record<SummaryColumnKey, string>;
}

/** Builds the summary table of a result: one row per planned case (repetitions merged), then notes. */
export function buildSummary(result: Result): SummaryTable {
  const byId = new Map(result.cases.map((c) => [c.spec.id, c]));
  const specs = [...result.plan.cases];
  for (const c of result.cases) if (!specs.some((s) => s.id === c.spec.id)) specs.push(c.spec);
  const labels = caseLabels(specs);

  const rows: SummaryRow[] = specs.map((spec, i) => {
    const c = byId.get(spec.id);
    const flags: Flag[] = c ? caseFlags(c) : [{ code: 'not-run', severity: 'error', text: 'not run' }];
    const row: SummaryRow = { spec, flags, cells: cellsOf(labels[i]!, spec, c?.summary, flags) };
    if (!c) return row;
    const reason = c.summary ? undefined : reasonOf(c);
    return {
      ...row,
      result: c,
      ...(reason === undefined ? {} : { message: truncate(reason, rowMessageMax) }),
    };
  });

  return { title: titleOf(result, rows.length), rows, notes: notesOf(result, rows) };
}

function titleOf(result: Result, caseCount: number): string {
  const started = result.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z');
  const wallMs = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
  const wall = Number.isFinite(wallMs) ? `, ${formatWall(wallMs)}` : '';
  const end = result.endReason === 'completed' ? '' : ` — RUN ${result.endReason.toUpperCase()}`;
  return `${result.plan.name}: ${caseCount} case${caseCount === 1 ? '' : 's'}, started ${started}${wall}${end}`;
}

function formatWall(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}
