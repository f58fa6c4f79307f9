/**
 * Live progress of a run for the CLI. On a TTY each case has one line, rewritten in place, led by a
 * bar with the share of the whole run done and its ETA; elsewhere (CI logs, pipes) plain lines with
 * no control characters: the case start (with the run's share done and time left), at most one line
 * per `intervalMs` of each phase, and the outcome.
 *
 * Every figure says what it covers: live figures are the last second's ("last 1s: …"); the outcome
 * is the repetition's own, and with repetitions the merged figure so far follows, labelled.
 */
import type { Writable } from 'node:stream';
import type { CaseResult, Measurement } from '../result/types.js';
import type { CaseSpec } from '../plan/types.js';
import { formatDurationMs, formatInteger, formatMicros, formatPercent } from '../units.js';
import { renderLatencyHistogram } from './latency-histogram.js';
import { caseFlags, formatLoad, throughputSpread } from './model.js';
import { truncate } from './table.js';

/** One progress sample of the running case, sent by the engine (about once per second). */
export interface ProgressTick {
  /** Time since the current repetition's load started, warm-up included, ms (the engine's `elapsedMs`). */
  readonly elapsedMs: number;
  readonly phase: 'warmup' | 'measure';
  /** Operations finished since the previous tick. */
  readonly ops: number;
  /** Throughput since the previous tick (about the last second), operations per second. */
  readonly opsPerSec: number;
  /** p99 latency of the current second, µs (ignored when `ops` is 0). */
  readonly p99Us: number;
  /** Failed operations since the previous tick; the line shows the phase's total. Omitted when absent. */
  readonly errors?: number;
}

export interface Progress {
  /** A case (repetition `repetition`, 0-based) begins; `index` is 0-based, `total` the number of cases. */
  caseStarted(spec: CaseSpec, index: number, total: number, repetition?: number): void;
  tick(tick: ProgressTick): void;
  /** The repetition ended (any status); prints its outcome and flags. */
  caseFinished(result: CaseResult): void;
  /** Ends an unfinished line (e.g. after Ctrl-C). Idempotent; later calls to the reporter are ignored. */
  close(): void;
}

export interface ProgressOptions {
  /** Not a TTY: least time between two tick lines within a phase, ms. Default 5000. */
  readonly intervalMs?: number;
  /** TTY: width lines are cut to; default the stream's `columns`, else 120. */
  readonly columns?: number;
  /** Every case of the run: enables the share done and the ETA. */
  readonly cases?: readonly CaseSpec[];
  /** Print a latency histogram (the repetition's) under each outcome. */
  readonly histogram?: boolean;
  /** Wall clock, ms (tests). Default Date.now. */
  readonly now?: () => number;
}

/** Clear the whole line, then return the cursor to its start. */
const clearLine = '\r\u001b[2K';
/** Setup time assumed per repetition (server start, connect), ms; as estimatePlanMs. */
const setupMs = 500;
const barWidth = 16;

export function createProgress(stream: Writable, isTTY: boolean, opts: ProgressOptions = {}): Progress {
  const intervalMs = opts.intervalMs ?? 5000;
  const now = opts.now ?? Date.now;
  const columns = (): number => {
    const c = opts.columns ?? (stream as Writable & { columns?: number }).columns;
    return typeof c === 'number' && c > 20 ? c : 120;
  };
  const eta = opts.cases ? etaTracker(opts.cases, now) : undefined;

  let current: { spec: CaseSpec; prefix: string; repetition: number } | undefined;
  let lineOpen = false;
  let lastPhase: ProgressTick['phase'] | undefined;
  let lastBucket = 0;
  let phaseErrors = 0;
  let closed = false;

  const write = (text: string): void => {
    stream.write(text);
  };
  const rewrite = (line: string): void => {
    const width = columns() - 1;
    write(`${clearLine}${truncate(eta ? `${eta.bar()}  ${line}` : line, width)}`);
    lineOpen = true;
  };

  return {
    caseStarted(spec, index, total, repetition = 0) {
      if (closed) return;
      if (lineOpen) write('\n');
      lineOpen = false;
      const rep = spec.repeat > 1 ? ` rep ${repetition + 1}/${spec.repeat}` : '';
      const prefix = `[${index + 1}/${total}] ${printable(spec.id)}${rep}`;
      current = { spec, prefix, repetition };
      lastPhase = undefined;
      lastBucket = 0;
      phaseErrors = 0;
      eta?.started(spec);
      const plan =
        `${formatLoad(spec)}, warm-up ${formatDurationMs(spec.warmupMs)}, ` +
        `measure ${formatDurationMs(spec.durationMs)}${spec.repeat > 1 ? ` ×${spec.repeat}` : ''}`;
      if (isTTY) rewrite(`${prefix}  starting (${plan})`);
      else write(`${prefix}  starting (${plan})${eta ? `  ${eta.summary()}` : ''}\n`);
    },

    tick(t) {
      if (closed || !current) return;
      const { warmupMs, durationMs } = current.spec;
      if (t.phase !== lastPhase) {
        lastPhase = t.phase;
        lastBucket = 0;
        phaseErrors = 0;
      }
      phaseErrors += t.errors ?? 0;
      const inPhase = Math.max(0, t.phase === 'warmup' ? t.elapsedMs : t.elapsedMs - warmupMs);
      eta?.progress(t.elapsedMs);
      const target = t.phase === 'warmup' ? warmupMs : durationMs;
      const line =
        `${current.prefix}  ${t.phase} ${formatDurationMs(roundTo100(inPhase))}/${formatDurationMs(target)}` +
        `  last 1s: ${formatInteger(t.opsPerSec)} ops/s, p99 ${t.ops > 0 ? formatMicros(t.p99Us) : '-'}` +
        (t.errors === undefined ? '' : `  errors ${formatInteger(phaseErrors)} in ${t.phase}`);
      if (isTTY) {
        rewrite(line);
        return;
      }
      const bucket = Math.floor(inPhase / intervalMs);
      if (bucket > lastBucket) {
        lastBucket = bucket;
        write(`${line}\n`);
      }
    },

    caseFinished(result) {
      if (closed) return;
      eta?.finished(result.spec);
      const mine = current?.spec.id === result.spec.id ? current : undefined;
      const prefix = mine ? mine.prefix : printable(result.spec.id);
      // The repetition that just ended (absent when it measured nothing).
      const last = mine
        ? (result.repetitions.find((r) => r.repetition === mine.repetition) ??
          (result.status === 'ok' ? result.repetitions.at(-1) : undefined))
        : result.repetitions.at(-1);
      const line = `${prefix}  ${outcome(result, last)}`;
      if (isTTY) write(`${clearLine}${line}\n`);
      else write(`${line}\n`);
      const latency = last?.delivery?.latency ?? last?.latency;
      if (opts.histogram && latency && latency.count > 0) {
        const title = last?.delivery ? 'delivery latency (publish → receipt)' : 'latency';
        write(`${renderLatencyHistogram(latency, { title }).join('\n')}\n`);
      }
      lineOpen = false;
      current = undefined;
    },

    close() {
      if (closed) return;
      closed = true;
      if (lineOpen) write('\n');
      lineOpen = false;
    },
  };
}

/**
 * The run's share done and time left: planned time (warm-up + measure + setup per repetition),
 * stretched by how much longer than planned the finished part actually took.
 */
function etaTracker(cases: readonly CaseSpec[], now: () => number) {
  const slot = (s: CaseSpec): number => s.warmupMs + (s.loadInfo.windows ?? 1) * s.durationMs + setupMs;
  const totalMs = cases.reduce((a, c) => a + c.repeat * slot(c), 0);
  const begin = now();
  let doneMs = 0;
  let currentMs = 0;
  let currentSlot = 0;
  const plannedDone = (): number => Math.min(totalMs, doneMs + Math.min(currentMs, currentSlot));
  const leftMs = (): number => {
    const planned = plannedDone();
    const actual = now() - begin;
    const stretch = planned > 0 ? Math.max(1, actual / planned) : 1;
    return Math.max(0, (totalMs - planned) * stretch);
  };
  const share = (): number => (totalMs > 0 ? plannedDone() / totalMs : 0);
  return {
    started(spec: CaseSpec): void {
      currentMs = 0;
      currentSlot = slot(spec);
    },
    progress(elapsedMs: number): void {
      currentMs = setupMs + elapsedMs;
    },
    finished(spec: CaseSpec): void {
      doneMs += slot(spec);
      currentMs = 0;
      currentSlot = 0;
    },
    /** '▕██████░░░░░░░░░░▏ 37% ETA 1m05s' */
    bar(): string {
      const filled = Math.round(share() * barWidth);
      return `▕${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}▏ ${formatShare(share())} ETA ${formatEta(leftMs())}`;
    },
    /** 'run 37% done, about 1m05s left' */
    summary(): string {
      return `run ${formatShare(share())} done, about ${formatEta(leftMs())} left`;
    },
  };
}

function formatShare(share: number): string {
  return `${Math.floor(share * 100)}%`;
}

/** 42s, 3m05s, 1h02m. */
export function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The repetition's own figures and flags; with repetitions, then the merged figure so far. */
function outcome(c: CaseResult, last: Measurement | undefined): string {
  const own: CaseResult = {
    ...c,
    spec: { ...c.spec, repeat: 1 },
    repetitions: last ? [last] : [],
    ...(last ? { summary: last } : {}),
  };
  const flags = caseFlags(own)
    .map((f) => f.text)
    .filter((f) => f !== c.status);
  const m = last;
  const parts = m
    ? [
        c.status === 'ok' ? 'done' : c.status,
        ...figures(m),
        ...flags,
        ...(c.spec.repeat > 1 && c.summary && c.repetitions.length > 1 ? [soFar(c, c.summary)] : []),
      ]
    : [c.status, c.error ? printable(`${c.error.code}: ${c.error.message}`) : 'no measurements', ...flags];
  return parts.join('  ');
}

function figures(m: Measurement): string[] {
  const rate = m.delivery ? m.delivery.throughput : m.throughput;
  const latency = m.delivery ? m.delivery.latency : m.latency;
  const us = (v: number): string => (latency.count > 0 ? formatMicros(v) : '-');
  return [
    `${formatInteger(rate)} ${m.delivery ? 'deliveries' : 'ops'}/s`,
    `p50 ${us(latency.p50)}`,
    `p99 ${us(latency.p99)}`,
    `errors ${formatInteger(m.errors.total)}`,
  ];
}

/** '(3 reps so far: 9,050 ops/s, p99 29.1ms; throughput varies ±4.1% (sd) across reps)' */
function soFar(c: CaseResult, summary: Measurement): string {
  const n = c.repetitions.length;
  const rate = summary.delivery ? summary.delivery.throughput : summary.throughput;
  const latency = summary.delivery ? summary.delivery.latency : summary.latency;
  return (
    `(${n} reps so far: ${formatInteger(rate)} ${summary.delivery ? 'deliveries' : 'ops'}/s, ` +
    `p99 ${formatMicros(latency.p99)}; throughput varies ±${formatPercent(throughputSpread(c.repetitions))} (sd) across reps)`
  );
}

function roundTo100(ms: number): number {
  return Math.round(ms / 100) * 100;
}

/** Replaces control characters (which would corrupt a log or the terminal line) with spaces. */
function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) ? ' ' : ch;
  }
  return out;
}
