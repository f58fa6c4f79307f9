/**
 * Live progress of a run for the CLI. On a TTY each case has one line, rewritten in place;
 * elsewhere (CI logs, pipes) plain lines with no control characters: the case start, at most one
 * line per `intervalMs` of each phase, and the outcome.
 */
import type { Writable } from 'node:stream';
import type { CaseResult } from '../result/types.js';
import type { CaseSpec } from '../scenario/types.js';
import { formatDurationMs, formatInteger, formatMicros } from '../units.js';
import { caseFlags, formatLoad } from './model.js';

/** One progress sample of the running case, sent by the engine (about once per second). */
export interface ProgressTick {
  /** Time since the current repetition's load started, warm-up included, ms (the engine's `elapsedMs`). */
  readonly elapsedMs: number;
  readonly phase: 'warmup' | 'measure';
  /** Operations finished since the previous tick. */
  readonly ops: number;
  /** Recent throughput, operations per second. */
  readonly opsPerSec: number;
  /** p99 latency of the current second, µs (ignored when `ops` is 0). */
  readonly p99Us: number;
  /** Failed operations so far in the phase; omitted from the line when absent. */
  readonly errors?: number;
}

export interface Progress {
  /** A case (repetition `repetition`, 0-based) begins; `index` is 0-based, `total` the number of cases. */
  caseStarted(spec: CaseSpec, index: number, total: number, repetition?: number): void;
  tick(tick: ProgressTick): void;
  /** The case ended (any status); prints its outcome and flags. */
  caseFinished(result: CaseResult): void;
  /** Ends an unfinished line (e.g. after Ctrl-C). Idempotent; later calls to the reporter are ignored. */
  close(): void;
}

export interface ProgressOptions {
  /** Not a TTY: least time between two tick lines within a phase, ms. Default 5000. */
  readonly intervalMs?: number;
  /** TTY: width lines are cut to; default the stream's `columns`, else 120. */
  readonly columns?: number;
}

/** Clear the whole line, then return the cursor to its start. */
const clearLine = '\r\u001b[2K';

export function createProgress(stream: Writable, isTTY: boolean, opts: ProgressOptions = {}): Progress {
  const intervalMs = opts.intervalMs ?? 5000;
  const columns = (): number => {
    const c = opts.columns ?? (stream as Writable & { columns?: number }).columns;
    return typeof c === 'number' && c > 20 ? c : 120;
  };

  let current: { spec: CaseSpec; prefix: string } | undefined;
  let lineOpen = false;
  let lastPhase: ProgressTick['phase'] | undefined;
  let lastBucket = 0;
  let closed = false;

  const write = (text: string): void => {
    stream.write(text);
  };
  const rewrite = (line: string): void => {
    const width = columns() - 1;
    const chars = [...line];
    write(`${clearLine}${chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : line}`);
    lineOpen = true;
  };

  return {
    caseStarted(spec, index, total, repetition = 0) {
      if (closed) return;
      if (lineOpen) write('\n');
      lineOpen = false;
      const rep = spec.repeat > 1 ? ` rep ${repetition + 1}/${spec.repeat}` : '';
      const prefix = `[${index + 1}/${total}] ${printable(spec.id)}${rep}`;
      current = { spec, prefix };
      lastPhase = undefined;
      lastBucket = 0;
      const plan =
        `${formatLoad(spec.load, spec.workers)}, warm-up ${formatDurationMs(spec.warmupMs)}, ` +
        `measure ${formatDurationMs(spec.durationMs)}${spec.repeat > 1 ? ` ×${spec.repeat}` : ''}`;
      if (isTTY) rewrite(`${prefix}  starting (${plan})`);
      else write(`${prefix}  starting (${plan})\n`);
    },

    tick(t) {
      if (closed || !current) return;
      const { warmupMs, durationMs } = current.spec;
      const inPhase = Math.max(0, t.phase === 'warmup' ? t.elapsedMs : t.elapsedMs - warmupMs);
      const target = t.phase === 'warmup' ? warmupMs : durationMs;
      const line =
        `${current.prefix}  ${t.phase} ${formatDurationMs(roundTo100(inPhase))}/${formatDurationMs(target)}` +
        `  ${formatInteger(t.opsPerSec)} ops/s  p99 ${t.ops > 0 ? formatMicros(t.p99Us) : '-'}` +
        (t.errors === undefined ? '' : `  errors ${formatInteger(t.errors)}`);
      if (isTTY) {
        rewrite(line);
        return;
      }
      if (t.phase !== lastPhase) {
        lastPhase = t.phase;
        lastBucket = 0;
      }
      const bucket = Math.floor(inPhase / intervalMs);
      if (bucket > lastBucket) {
        lastBucket = bucket;
        write(`${line}\n`);
      }
    },

    caseFinished(result) {
      if (closed) return;
      const prefix = current?.spec.id === result.spec.id ? current.prefix : printable(result.spec.id);
      const line = `${prefix}  ${outcome(result)}`;
      if (isTTY) write(`${clearLine}${line}\n`);
      else write(`${line}\n`);
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

function outcome(c: CaseResult): string {
  const flags = caseFlags(c).map((f) => f.text);
  const m = c.summary;
  const parts = m
    ? [
        c.status === 'ok' ? 'done' : c.status,
        `${formatInteger(m.throughput)} ops/s`,
        `p50 ${formatMicros(m.latency.p50)}`,
        `p99 ${formatMicros(m.latency.p99)}`,
        `errors ${formatInteger(m.errors.total)}`,
        ...flags.filter((f) => f !== c.status),
      ]
    : [
        c.status,
        c.error ? printable(`${c.error.code}: ${c.error.message}`) : 'no measurements',
        ...flags.filter((f) => f !== c.status),
      ];
  return parts.join('  ');
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
