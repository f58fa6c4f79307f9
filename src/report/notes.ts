/**
 * The notes under the summary table, by concern: what happened to cases (failures, the three
 * who-limited-the-run flags, drops, partial repetitions), their errors, how to read the rows' methods
 * (one note per load schedule and kind of row), and where the numbers come from. Pure: rows in,
 * notes out; model.ts puts them in the table.
 */
import type { Result } from '../result/types.js';
import {
  formatBytes,
  formatCount,
  formatDurationMs,
  formatInteger,
  formatMicros,
  formatPercent,
} from '../units.js';
import {
  errorKindsInOrder,
  reasonOf,
  rowMessageMax,
  truncate,
  unexplainedPartials,
  type Flag,
  type SummaryNote,
  type SummaryRow,
} from './rows.js';

/** Every note of a table, in the order the reporters print them within each group. */
export function notesOf(result: Result, rows: readonly SummaryRow[]): SummaryNote[] {
  return [...caseNotes(result, rows), ...errorNotes(rows), ...methodNotes(rows), ...provenanceNotes(result)];
}

const label = (r: SummaryRow): string => `${r.cells.case} (${r.cells.load})`;

/** Failed, crashed, interrupted and unrun cases; DRIVER-LIMITED, SERVER-LIMITED, CPU-BOUND, BUSY-MACHINE; drops, partial repetitions, spread. */
function caseNotes(result: Result, rows: readonly SummaryRow[]): SummaryNote[] {
  const notes: SummaryNote[] = [];
  const flagged = (code: Flag['code']) => rows.filter((r) => r.flags.some((f) => f.code === code));

  for (const r of rows) {
    const reason = r.message === undefined || !r.result ? undefined : reasonOf(r.result);
    if (reason === undefined || reason.length <= rowMessageMax) continue;
    notes.push({ topic: 'failed', group: 'cases', severity: 'error', text: `${label(r)}: ${reason}` });
  }
  // A case that failed after measuring (e.g. no operation succeeded): its row has figures, the note says why.
  for (const r of rows) {
    const e = r.result?.error;
    if (r.result?.status !== 'failed' || !r.result.summary || !e) continue;
    notes.push({
      topic: 'failed',
      group: 'cases',
      severity: 'error',
      text: `failed: ${label(r)}: ${e.message}`,
    });
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
    const m = r.result?.summary;
    if (!m) continue;
    const advice = m.delivery
      ? ' Push and queue cases run their subscribers in one driver thread: use fewer subscribers or a lower rate.'
      : workersAdvice(result, r);
    notes.push({
      topic: 'driver-saturated',
      group: 'cases',
      severity: 'error',
      text:
        `DRIVER-LIMITED: ${label(r)}: the load generator, not the server, was the bottleneck (${m.verdict.why}). ` +
        `Its throughput and latency describe commbench's client, not ${r.spec.pattern}.${advice}`,
    });
  }
  for (const r of flagged('server-limited')) {
    const m = r.result?.summary;
    if (!m) continue;
    const drained =
      (m.drained ?? 0) > 0
        ? ` ${formatInteger(m.drained ?? 0)} operations due in the window completed only after it (drained: in the latencies, not in ops/s).`
        : '';
    notes.push({
      topic: 'server-limited',
      group: 'cases',
      severity: 'warn',
      text:
        `SERVER-LIMITED: ${label(r)}: the server, not the load generator, limited the run (${m.verdict.why}). ` +
        `The driver's own send lag was shorter (p99 ${formatMicros(m.driver.sendLagP99)}); ops/s is what the server completed in the window ` +
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
  // Drops make a row SERVER-LIMITED (its flag gives the share); this note says what they mean.
  for (const r of rows.filter((row) => (row.result?.summary?.dropped ?? 0) > 0)) {
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
  return notes;
}

/** Per row with errors: how many of each kind, an example message, and the failed operations' latency. */
function errorNotes(rows: readonly SummaryRow[]): SummaryNote[] {
  const notes: SummaryNote[] = [];
  for (const r of rows) {
    const m = r.result?.summary;
    const inFlight = m?.unansweredAtEnd ?? 0;
    if (m && inFlight > 0 && m.ops > 0 && r.result?.status === 'ok') {
      notes.push({
        topic: 'errors',
        group: 'cases',
        severity: 'warn',
        text: `in flight: ${label(r)}: ${formatInteger(inFlight)} operation${inFlight === 1 ? ' was' : 's were'} in flight when the window ended and never answered (timed out, failed or abandoned after it): the server stopped answering?`,
      });
    }
    if (!m || m.errors.total === 0) continue;
    const samples = errorKindsInOrder
      .filter((k) => (m.errors[k] ?? 0) > 0)
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

  return notes;
}

/** How to read the rows: push deliveries, connection cost, closed and open schedules, each model's own note, units. */
function methodNotes(rows: readonly SummaryRow[]): SummaryNote[] {
  const notes: SummaryNote[] = [];
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
        "send time (corrected for coordinated omission): a wait for a busy connection counts, the driver's own " +
        'lateness (its send lag) does not. The driver paces its sends by sleeping (a timing thread) or, with a core ' +
        'to itself, by a busy wait (driver.pacing in the result says which and why). drv CPU counts everything the ' +
        "driver process used, the share spent pacing shown beside it ('(92% pacing)'); the row is DRIVER-LIMITED " +
        `only when sends fall behind the schedule.${queued.join('')}`,
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

  return notes;
}

/** The machine, the tool, the scenario, CPU placement, and how the run ended. */
function provenanceNotes(result: Result): SummaryNote[] {
  const notes: SummaryNote[] = [];
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

/** Most driver worker threads a case may have (scenario bounds). */
const maxWorkers = 64;

/**
 * The --workers advice for a DRIVER-LIMITED row, as a command that runs as given: the scenario
 * again, only this row's pattern, with more driver threads than it had — at most the connections of
 * every planned case of that pattern (each worker drives at least one), and no more than the cores
 * leave room for beside the server (at least 2). Empty when no such number exceeds the row's workers
 * (one connection, or the cores already used), or when the pattern's cases run push/queue subscribers
 * (one thread).
 */
export function workersAdvice(result: Result, row: SummaryRow): string {
  const pattern = row.spec.pattern;
  const planned = result.plan.cases.filter((s) => s.pattern === pattern && s.loadInfo.schedule !== 'hold');
  if (result.cases.some((c) => c.spec.pattern === pattern && c.summary?.delivery)) return '';
  const most = Math.min(maxWorkers, ...planned.map((s) => s.load.connections));
  const current = row.spec.workers;
  const wanted = Math.min(Math.max(2, result.environment.cores - 1), current * 2);
  const workers = Math.min(wanted, most);
  if (workers <= current) return '';
  const scenario = result.plan.source.startsWith('builtin:')
    ? result.plan.source.slice('builtin:'.length)
    : result.plan.source;
  return (
    ` Re-run it with more driver threads (with this run's other flags): ` +
    `commbench run ${shellWord(scenario)} --pattern ${shellWord(pattern)} --workers ${workers}.`
  );
}

/** `word` as one shell word: as is when it needs no quoting, else in single quotes. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
