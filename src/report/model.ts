/**
 * The summary table every human-facing reporter shows (terminal, markdown, HTML), built once from a
 * Result as plain strings so the formats cannot disagree. Renderers only lay it out.
 */
import { busyMachineCores } from '../metrics/machine.js';
import { saturation } from '../metrics/saturation.js';
import type { ErrorKind } from '../result/types.js';
import type { CaseResult, Measurement, Result } from '../result/types.js';
import type { CaseSpec } from '../scenario/types.js';
import {
  formatBytes,
  formatCount,
  formatDurationMs,
  formatInteger,
  formatMicros,
  formatPercent,
  formatSize,
} from '../units.js';

/** Column keys of the summary table, in display order. */
export const summaryColumns = [
  { key: 'case', title: 'case', align: 'left' },
  { key: 'load', title: 'load', align: 'left' },
  { key: 'opsPerSec', title: 'ops/s', align: 'right' },
  { key: 'p50', title: 'p50', align: 'right' },
  { key: 'p99', title: 'p99', align: 'right' },
  { key: 'p999', title: 'p99.9', align: 'right' },
  { key: 'max', title: 'max', align: 'right' },
  { key: 'payload', title: 'payload', align: 'right' },
  { key: 'wire', title: 'wire', align: 'right' },
  { key: 'serverCpu', title: 'srv CPU', align: 'right' },
  { key: 'driverCpu', title: 'drv CPU', align: 'right' },
  { key: 'errors', title: 'errors', align: 'right' },
  { key: 'detail', title: 'detail', align: 'left' },
  { key: 'flags', title: 'flags', align: 'left' },
] as const;

/**
 * The columns worth showing for these rows: 'detail' only when some row has one (push deliveries,
 * connection cost, helper processes), so request/response tables stay as narrow as before.
 */
export function visibleColumns(rows: readonly SummaryRow[]): (typeof summaryColumns)[number][] {
  return summaryColumns.filter((c) => c.key !== 'detail' || rows.some((r) => r.cells.detail !== ''));
}

export type SummaryColumnKey = (typeof summaryColumns)[number]['key'];

/**
 * A trust problem or a property of a case the reader must see next to its numbers.
 * `severity` drives emphasis: 'error' = the numbers are incomplete or wrong for the question asked
 * (failed, crashed, interrupted, driver-saturated); 'warn' = read with care (dropped, partial);
 * 'info' = context (repetition spread).
 */
export interface Flag {
  readonly code:
    | 'driver-saturated'
    | 'server-limited'
    | 'dropped'
    | 'server-crashed'
    | 'interrupted'
    | 'failed'
    | 'partial'
    | 'reps'
    | 'busy-machine'
    | 'cpu-bound'
    | 'not-run';
  readonly severity: 'error' | 'warn' | 'info';
  /** Short text shown in the flags column, e.g. 'DRIVER-SATURATED', 'dropped 1874 (9.4%)'. */
  readonly text: string;
}

export interface SummaryRow {
  readonly spec: CaseSpec;
  /** The case result; absent for plan cases that never ran (flag 'not-run'; every cell '-'). */
  readonly result?: CaseResult;
  /** One display string per column ('-' where there is no value). */
  readonly cells: Readonly<Record<SummaryColumnKey, string>>;
  readonly flags: readonly Flag[];
  /**
   * For rows without measurements: why ('E_SERVER_START: server did not report ready within 10s'),
   * at most `rowMessageMax` characters; renderers may show it across the empty metric columns.
   */
  readonly message?: string;
}

/** Longest row message; a longer reason is cut and given in full in a note. */
export const rowMessageMax = 90;

export interface SummaryNote {
  /** What the note explains: a flag code, or a general topic. */
  readonly topic:
    | Flag['code']
    | 'units'
    | 'closed-loop'
    | 'rate'
    | 'push'
    | 'connections'
    | 'errors'
    | 'environment'
    | 'placement'
    | 'run';
  /** Notes come in groups (case problems, methodology, provenance); renderers may separate them. */
  readonly group: 'cases' | 'method' | 'provenance';
  readonly severity: Flag['severity'];
  readonly text: string;
}

export interface SummaryTable {
  /** One line naming the scenario, case count and when it ran. */
  readonly title: string;
  readonly rows: readonly SummaryRow[];
  /** Explanations of the flags that appear, methodology notes, environment, run end — in this order. */
  readonly notes: readonly SummaryNote[];
}

const errorAbbrev: Record<ErrorKind, string> = {
  timeout: 'timeout',
  connection: 'conn',
  protocol: 'proto',
  mismatch: 'mismatch',
};
const errorKindsInOrder: readonly ErrorKind[] = ['mismatch', 'connection', 'protocol', 'timeout'];

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
    const parts = [s.pattern, formatSize(s.payload.size)];
    if (showShape) parts.push(s.payload.shape);
    for (const k of varyingOptions) {
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
  if (m?.driver.saturated)
    flags.push({ code: 'driver-saturated', severity: 'error', text: 'DRIVER-SATURATED' });
  if (m?.backlog?.serverLimited) {
    flags.push({
      code: 'server-limited',
      severity: 'warn',
      text: `SERVER-LIMITED${m.backlog.queued > 0 ? ` queued ${formatInteger(m.backlog.queued)}` : ''}`,
    });
  }
  if (m && m.dropped > 0) {
    const ratio = m.dropped / (m.sent + m.dropped);
    flags.push({
      code: 'dropped',
      severity: 'warn',
      text: `dropped ${formatInteger(m.dropped)} (${formatPercent(ratio)})`,
    });
  }
  if (m && isCpuBound(m)) flags.push({ code: 'cpu-bound', severity: 'info', text: 'CPU-BOUND' });
  if (m?.machine && m.machine.otherCores > busyMachineCores) {
    flags.push({
      code: 'busy-machine',
      severity: 'warn',
      text: `BUSY-MACHINE ${m.machine.otherCores} cores`,
    });
  }
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

/** Both sides busy: the driver never idled and the server kept a core busy (not driver saturation). */
function isCpuBound(m: Measurement): boolean {
  return (
    !m.driver.saturated &&
    m.driver.eventLoopUtilization >= saturation.eventLoopUtilization &&
    m.server?.cpuUtilization !== undefined &&
    m.server.cpuUtilization >= saturation.serverBusy
  );
}

/** Repetitions that ended early for a reason the case status does not already say. */
function unexplainedPartials(c: CaseResult): Measurement[] {
  return c.repetitions.filter((r) => r.endReason !== 'completed' && r.endReason !== c.status);
}

function formatErrors(m: Measurement): string {
  const total = m.errors.total;
  if (total === 0) return '0';
  const kinds = errorKindsInOrder.filter((k) => m.errors[k] > 0);
  if (kinds.length === 1 && m.errors[kinds[0]!] === total)
    return `${formatCount(total)} ${errorAbbrev[kinds[0]!]}`;
  return `${formatCount(total)} (${kinds.map((k) => `${formatCount(m.errors[k])} ${errorAbbrev[k]}`).join(', ')})`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * What a row's detail column says beyond the common metrics: for push and queue cases who received
 * what, for connection-cost cases the server's memory and descriptors per connection, for cases
 * whose server runs helper processes (proxies, chain hops) their CPU per operation.
 */
function detailOf(m: Measurement | undefined): string {
  if (!m) return '';
  const parts: string[] = [];
  if (m.search) parts.push(m.search.verdict);
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
  }
  for (const h of m.server?.helpers ?? []) parts.push(`${h.role} ${formatMicros(h.cpuUsPerOp)}/op`);
  for (const u of m.server?.unmeasured ?? []) parts.push(`${u.role} CPU not measured`);
  return parts.join(', ');
}

function cellsOf(label: string, spec: CaseSpec, m: Measurement | undefined, flags: readonly Flag[]) {
  const dash = '-';
  // Push and queue rows: throughput and latency are the subscribers' (deliveries/s, publish → receipt).
  const rate = m?.delivery ? m.delivery.throughput : m?.throughput;
  const latency = m?.delivery ? m.delivery.latency : m?.latency;
  return {
    case: label,
    load: formatLoad(spec),
    opsPerSec: rate === undefined ? dash : rate < 100 ? rate.toFixed(1) : formatInteger(rate),
    p50: latency ? formatMicros(latency.p50) : dash,
    p99: latency ? formatMicros(latency.p99) : dash,
    p999: latency ? formatMicros(latency.p999) : dash,
    max: latency ? formatMicros(latency.max) : dash,
    payload: m ? formatBytes(m.payload.perOp) : dash,
    wire: m ? formatBytes(m.wire.perOp) : dash,
    serverCpu: m?.server ? formatMicros(m.server.cpuUsPerOp) : dash,
    driverCpu: m ? formatMicros(m.driver.cpuUsPerOp) : dash,
    errors: m ? formatErrors(m) : dash,
    detail: detailOf(m),
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

/** Why a case that ran has no measurements. */
function reasonOf(c: CaseResult): string {
  if (c.error) return `${c.error.code}: ${c.error.message}`;
  return c.status === 'ok' ? 'no measurements' : `${c.status}, no measurements`;
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

function notesOf(result: Result, rows: readonly SummaryRow[]): SummaryNote[] {
  const notes: SummaryNote[] = [];
  const label = (r: SummaryRow): string => `${r.cells.case} (${r.cells.load})`;
  const flagged = (code: Flag['code']) => rows.filter((r) => r.flags.some((f) => f.code === code));

  for (const r of rows) {
    const reason = r.message === undefined || !r.result ? undefined : reasonOf(r.result);
    if (reason === undefined || reason.length <= rowMessageMax) continue;
    notes.push({ topic: 'failed', group: 'cases', severity: 'error', text: `${label(r)}: ${reason}` });
  }
  const cut = (r: SummaryRow, reason: string): string => {
    const reps = r.result?.repetitions.filter((m) => m.endReason === reason) ?? [];
    return reps
      .map((m) => ` Repetition #${m.repetition + 1} ended after ${formatDurationMs(m.durationMs)}.`)
      .join('');
  };
  for (const r of flagged('server-crashed')) {
    const e = r.result?.error;
    notes.push({
      topic: 'server-crashed',
      group: 'cases',
      severity: 'error',
      text:
        `server-crashed: ${label(r)}: ${e ? e.message : 'the server process exited'}.${cut(r, 'server-crashed')} ` +
        'The row covers what was measured before the crash.',
    });
  }
  for (const r of flagged('interrupted')) {
    notes.push({
      topic: 'interrupted',
      group: 'cases',
      severity: 'error',
      text: `interrupted: ${label(r)} was stopped before its measured window ended.${cut(r, 'interrupted')} The row covers what was measured until then.`,
    });
  }
  const notRun = flagged('not-run');
  if (notRun.length > 0) {
    notes.push({
      topic: 'not-run',
      group: 'cases',
      severity: 'error',
      text: `not run: ${notRun.map((r) => r.cells.case).join(', ')} — the run ended before ${notRun.length === 1 ? 'this case' : 'these cases'} started.`,
    });
  }
  for (const r of flagged('driver-saturated')) {
    const d = r.result?.summary?.driver;
    if (!d) continue;
    const evidence =
      d.saturationReasons.length > 0
        ? d.saturationReasons.join(', ')
        : `driver CPU ${formatPercent(d.cpuUtilization)} of one core, event loop ${formatPercent(d.eventLoopUtilization)} busy, ` +
          `event-loop delay p99 ${formatMicros(d.eventLoopDelay.p99)}`;
    notes.push({
      topic: 'driver-saturated',
      group: 'cases',
      severity: 'error',
      text:
        `DRIVER-SATURATED: ${label(r)}: the load generator, not the server, was the bottleneck (${evidence}). ` +
        `Its throughput and latency describe commbench's client, not ${r.spec.pattern}. ` +
        (r.result?.summary?.delivery
          ? 'Push and queue cases run their subscribers in one driver thread: use fewer subscribers or a lower rate.'
          : `Re-run with --workers ${suggestWorkers(d.workers, result.environment.cores)} or fewer connections.`),
    });
  }
  for (const r of flagged('server-limited')) {
    const m = r.result?.summary;
    if (!m?.backlog) continue;
    const drained =
      (m.drained ?? 0) > 0
        ? ` ${formatInteger(m.drained ?? 0)} operations due in the window completed only after it (drained: in the latencies, not in ops/s).`
        : '';
    notes.push({
      topic: 'server-limited',
      group: 'cases',
      severity: 'warn',
      text:
        `SERVER-LIMITED: ${label(r)}: the server, not the load generator, limited the run (${m.backlog.reasons.join('; ')}). ` +
        `The driver's own send lag was small beside that (p99 ${formatMicros(m.driver.sendLagP99)}); ops/s is what the server completed in the window ` +
        `and the latencies include the wait from each operation's due time.${drained}`,
    });
  }
  const cpuBound = flagged('cpu-bound');
  if (cpuBound.length > 0) {
    notes.push({
      topic: 'cpu-bound',
      group: 'cases',
      severity: 'info',
      text:
        `CPU-BOUND: ${cpuBound.map((r) => label(r)).join(', ')}: the driver and the server each kept about a core busy ` +
        `(${result.environment.cores} cores here), so throughput is what the client and server together can do on this machine, ` +
        'not what the server alone could serve; the CPU/op columns split the cost. For server-only numbers, run the server ' +
        'elsewhere (commbench serve) and drive it with --target.',
    });
  }
  const busy = flagged('busy-machine');
  if (busy.length > 0) {
    notes.push({
      topic: 'busy-machine',
      group: 'cases',
      severity: 'warn',
      text:
        `BUSY-MACHINE: ${busy.map((r) => `${label(r)} (${r.result?.summary?.machine?.otherCores ?? 0} cores)`).join(', ')}: ` +
        `processes other than commbench's driver and server used that much CPU during the window, ` +
        `so these numbers are lower and noisier than the machine can give. Re-run on a quiet machine, or compare with --normalize tcp.`,
    });
  }
  for (const r of flagged('dropped')) {
    const m = r.result?.summary;
    const load = r.spec.load;
    if (!m || !('maxInFlight' in load) || r.spec.loadInfo.offered === undefined) continue;
    notes.push({
      topic: 'dropped',
      group: 'cases',
      severity: 'warn',
      text:
        `dropped: ${label(r)}: ${formatInteger(m.dropped)} operations fell due while maxInFlight=${load.maxInFlight} ` +
        `were already outstanding or queued and were never sent; the system did not sustain ${r.spec.loadInfo.offered} ` +
        `(achieved ${formatInteger(m.throughput)}/s). Dropped operations are counted, not in the latencies.`,
    });
  }
  for (const r of flagged('partial')) {
    const partial = r.result ? unexplainedPartials(r.result) : [];
    const which = partial
      .map((m) => `#${m.repetition + 1} ended (${m.endReason}) after ${formatDurationMs(m.durationMs)}`)
      .join(', ');
    notes.push({
      topic: 'partial',
      group: 'cases',
      severity: 'warn',
      text: `partial: ${label(r)}: repetition ${which}; what it measured is merged into the row.`,
    });
  }
  if (rows.some((r) => r.flags.some((f) => f.code === 'reps'))) {
    notes.push({
      topic: 'reps',
      group: 'cases',
      severity: 'info',
      text:
        'reps=N ±x%: the case ran N times; ±x% is the standard deviation of throughput across repetitions ' +
        'relative to the mean. Percentiles come from the merged histograms.',
    });
  }
  for (const r of rows) {
    const m = r.result?.summary;
    if (!m || m.errors.total === 0) continue;
    const samples = errorKindsInOrder
      .filter((k) => m.errors[k] > 0)
      .map((k) => {
        const sample = m.errorSamples[k];
        return `${formatCount(m.errors[k])} ${k}${sample === undefined ? '' : ` (e.g. "${truncate(sample, 80)}")`}`;
      });
    const rate = formatPercent(m.errors.total / Math.max(1, m.ops + m.errors.total));
    const f = m.failedLatency;
    const failed =
      f && f.count > 0
        ? ` The latency percentiles are of successful operations only; the ${formatInteger(f.count)} failed ones took p99 ${formatMicros(f.p99)}, max ${formatMicros(f.max)}.`
        : ' The latency percentiles are of successful operations only.';
    notes.push({
      topic: 'errors',
      group: 'cases',
      severity: 'warn',
      text: `errors: ${label(r)}: ${samples.join('; ')}; ${rate} of operations.${failed}`,
    });
  }

  if (rows.some((r) => r.result?.summary?.delivery)) {
    notes.push({
      topic: 'push',
      group: 'method',
      severity: 'info',
      text:
        'push and queue rows (a "subs" detail): ops/s counts deliveries per second over all subscribers, and ' +
        'p50…max run from the publish to the receipt at each subscriber, read on one clock in the driver ' +
        "(from the scheduled publish time for rate loads). The publisher's own acknowledgement latency is in " +
        'the result file (summary.latency).',
    });
  }
  if (rows.some((r) => r.result?.summary?.connections)) {
    notes.push({
      topic: 'connections',
      group: 'method',
      severity: 'info',
      text:
        'connection-cost rows ("hold N conns"): ops/s counts connections opened per second and p50…max the time ' +
        "to open one (100 at a time); the detail column gives the growth of the server's resident memory and " +
        "open file descriptors per held connection, and the driver's memory per connection.",
    });
  }
  const closed = rows.some((r) => r.spec.loadInfo.schedule === 'closed' && r.result?.summary);
  if (closed) {
    notes.push({
      topic: 'closed-loop',
      group: 'method',
      severity: 'info',
      text:
        'closed-loop: "closed c=N×k" cases (N connections, k operations in flight on each) send the next ' +
        'operation only after a response arrives, so a stalled ' +
        'server also stalls the requests that would have measured the stall (coordinated omission); their ' +
        'latencies look better than users would see. Use --rate <ops/s> for open-loop latency.',
    });
  }
  const rate = rows.filter((r) => r.spec.loadInfo.schedule === 'open' && r.result?.summary);
  if (rate.length > 0) {
    const queued = rate
      .map((r) => ({ r, m: r.result!.summary! }))
      .filter(({ m }) => m.latency.p99 > 2 * m.service.p99)
      .map(
        ({ r, m }) =>
          ` ${label(r)}: p99 ${formatMicros(m.latency.p99)} from the intended send time vs ` +
          `${formatMicros(m.service.p99)} service time — operations queued.`,
      );
    notes.push({
      topic: 'rate',
      group: 'method',
      severity: 'info',
      text:
        'rate: "rate R/s" cases schedule operations at a constant rate and measure latency from the intended ' +
        'send time (corrected for coordinated omission). To send on time to the µs the driver waits out the last ' +
        '1.5 ms before each send on its event loop, so its CPU per operation includes that wait at high rates; ' +
        `it is flagged saturated only when sends fall behind the schedule.${queued.join('')}`,
    });
  }
  for (const text of new Set(rows.flatMap((r) => (r.result?.summary && r.spec.loadInfo.note) || []))) {
    notes.push({ topic: 'rate', group: 'method', severity: 'info', text });
  }
  notes.push({
    topic: 'units',
    group: 'method',
    severity: 'info',
    text:
      'Latency percentiles from HDR histograms; payload and wire are bytes per operation (request + ' +
      'response; wire includes framing and headers); CPU is CPU time per operation.',
  });

  const env = result.environment;
  const mem = env.totalMemoryBytes > 0 ? `, ${formatBytes(env.totalMemoryBytes)} RAM` : '';
  const git = env.gitSha ? `, git ${env.gitSha.slice(0, 7)}` : '';
  notes.push({
    topic: 'environment',
    group: 'provenance',
    severity: 'info',
    text:
      `Environment: node ${env.node}, ${env.os} (${env.platform} ${env.arch}), ${env.cpuModel} × ${env.cores} ` +
      `cores${mem}; ${result.tool.name} ${result.tool.version}${git}; scenario ${result.plan.source}.`,
  });
  const placement = placementNote(result);
  if (placement) notes.push({ topic: 'placement', group: 'provenance', severity: 'info', text: placement });
  if (result.endReason !== 'completed') {
    notes.push({
      topic: 'run',
      group: 'provenance',
      severity: 'error',
      text:
        `RUN ${result.endReason.toUpperCase()}${result.endMessage ? `: ${result.endMessage}` : ''}. ` +
        'The result holds only what was measured before the end.',
    });
  }
  return notes;
}

/**
 * One line: the CPUs each side could run on, as read back from the kernel during the run, for the
 * cases with `placement` (all of them in one clause when they agree).
 */
function placementNote(result: Result): string | undefined {
  const byText = new Map<string, string[]>();
  for (const c of result.cases) {
    const p = c.repetitions.find((r) => r.placement)?.placement;
    if (!p) continue;
    const text = `server on CPU ${p.server ?? '?'}, driver on CPU ${p.driver ?? '?'}`;
    byText.set(text, [...(byText.get(text) ?? []), c.spec.id]);
  }
  if (byText.size === 0) return undefined;
  const placed = [...byText.values()].reduce((n, ids) => n + ids.length, 0);
  const clauses = [...byText].map(([text, ids]) =>
    byText.size === 1 && placed === result.cases.length ? text : `${ids.join(', ')}: ${text}`,
  );
  return `CPU placement (read back from /proc, taskset): ${clauses.join('; ')}.`;
}

function suggestWorkers(current: number, cores: number): number {
  return Math.max(2, Math.min(Math.max(1, cores - 1), current * 2));
}
