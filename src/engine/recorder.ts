import type { Histogram } from '../metrics/histogram.js';
import { createHistogram, encodeHistogram, recordMicros } from '../metrics/histogram.js';
import { OpError } from '../toolkit/contract.js';
import { errorKinds, noErrors, type ErrorKind } from '../result/types.js';

/** What one driver thread measured in its window; histograms encoded so threads merge exactly. */
export interface RecorderSnapshot {
  /** Successful operations that completed inside the window (whenever they were due). */
  readonly ops: number;
  /** Operations due in the window that succeeded after it ended (the post-window drain; not in `ops`). */
  readonly drained: number;
  readonly sent: number;
  readonly dropped: number;
  readonly verified: number;
  /**
   * µs of the operations due in the window: open loops from the due time plus the driver's own send
   * lag (so a wait for a busy connection counts, the driver's lateness does not); closed loops from
   * the actual start.
   */
  readonly latency: string;
  /** µs from the actual send. */
  readonly service: string;
  /**
   * µs from the intended send to when the driver could have sent (how late the driver was; rate
   * model). A wait for a free connection is not in it: that is `backlogWait`.
   */
  readonly sendLag: string;
  /** Rate model: operations due in the window that waited in the backlog for a free connection. */
  readonly queued: number;
  /** µs each queued operation waited for a free connection (the server's backlog). */
  readonly backlogWait: string;
  readonly errors: Record<ErrorKind, number>;
  readonly errorSamples: Partial<Record<ErrorKind, string>>;
  /**
   * Operations in flight when the window closed (whenever they were due) that never succeeded
   * afterwards (they failed, timed out or were abandoned at the drain deadline): a server that
   * stopped answering shows here even when their timeouts fall after the window. 0 when healthy.
   */
  readonly unansweredAtEnd: number;
  /** ms from the window's start to the last success that completed in it; -1 when none did. */
  readonly lastOkMs: number;
  /** µs, measured like `latency`, of the operations due in the window that failed. */
  readonly failedLatency: string;
  /**
   * Per second of the window: what completed in that second (ok ops, failed ops) and a histogram
   * of their latency. Completions after the window are in no second.
   */
  readonly timeline: readonly { ops: number; errors: number; latency: string }[];
}

/** The sample message of operations still pending when the driver gave up waiting for them. */
export const abandonedMessage = 'still pending at the drain deadline (the op timeout + 2 s after the window)';

/**
 * Times operations over the measured window [windowStart, windowEnd] (ms on the driver's clock;
 * latencies recorded in µs). Two populations, deliberately:
 * - throughput (`ops`) and the timeline count what *completed* inside the window, whenever it was
 *   due — the work the server did in the window, the same window its CPU is read over;
 * - latency, service time, send lag, errors and `sent` describe the operations *due* inside the
 *   window, whenever they completed (so a backlog served after the window still shows in the
 *   latency; `drained` counts those that succeeded after the window).
 * Hot path: a few histogram records per operation, no allocation.
 */
export class Recorder {
  ops = 0;
  drained = 0;
  sent = 0;
  dropped = 0;
  verified = 0;
  queued = 0;
  /** Operations finished (ok or not) since the last progress tick, for live display. */
  tickOps = 0;
  /** Failed operations since the last progress tick. */
  tickErrors = 0;
  /** Operations sent and not yet finished, now. */
  pending = 0;
  /** `pending` when the window closed (see `windowClosed`), and when it did (driver clock). */
  #inFlightAtEnd = 0;
  #closedAt = Number.POSITIVE_INFINITY;
  /** Of the operations in flight when the window closed, those that succeeded after. */
  #answeredAfterEnd = 0;
  /** When the last success inside the window completed (driver clock). */
  #lastOkAt = Number.NEGATIVE_INFINITY;
  readonly latency = createHistogram();
  readonly service = createHistogram();
  readonly sendLag = createHistogram();
  readonly backlogWait = createHistogram();
  readonly failedLatency = createHistogram();
  readonly errors: Record<ErrorKind, number> = noErrors();
  readonly errorSamples: Partial<Record<ErrorKind, string>> = {};
  readonly #seconds: { ops: number; errors: number; latency: Histogram }[] = [];
  /** Ignore everything after this (interrupt, crash): late completions must not count as errors. */
  frozen = false;
  /**
   * Set when the driver stops waiting for the drain and closes its connections: operations that
   * fail from then on had been pending past their timeout, and count as timeouts (not as the
   * connection errors that closing the connections produces).
   */
  abandoned = false;

  constructor(
    readonly windowStart: number,
    readonly windowEnd: number,
    readonly correctFromIntended: boolean,
  ) {
    const seconds = Math.max(1, Math.ceil((windowEnd - windowStart) / 1000));
    for (let i = 0; i < seconds; i++) this.#seconds.push({ ops: 0, errors: 0, latency: createHistogram() });
  }

  /** True when an operation intended at `intended` belongs to the measured window (is offered in it). */
  measures(intended: number): boolean {
    return intended >= this.windowStart && intended < this.windowEnd && !this.frozen;
  }

  /** True when a completion at `doneAt` falls inside the measured window. */
  completesInWindow(doneAt: number): boolean {
    return doneAt >= this.windowStart && doneAt <= this.windowEnd && !this.frozen;
  }

  /**
   * An operation due at `intended` is sent at `sentAt`, after `queuedMs` of it waiting in the
   * backlog for a free connection (rate model; 0 when one was free on time).
   */
  started(intended: number, sentAt: number, verify: boolean, queuedMs = 0): void {
    this.pending++;
    if (!this.measures(intended)) return;
    this.sent++;
    if (verify) this.verified++;
    if (!this.correctFromIntended) return;
    recordMicros(this.sendLag, sendLagMs(intended, sentAt, queuedMs) * 1000);
    if (queuedMs > 0) {
      this.queued++;
      recordMicros(this.backlogWait, queuedMs * 1000);
    }
  }

  /**
   * The operation due at `intended`, sent at `sentAt` after `queuedMs` in the backlog, succeeded at
   * `doneAt`. Its corrected latency runs from when the driver fired it (the due time plus the
   * driver's own send lag): the backlog wait is the server's and stays in, the lag is not.
   */
  ok(intended: number, sentAt: number, doneAt: number, queuedMs = 0): void {
    this.pending--;
    if (sentAt <= this.#closedAt && doneAt > this.#closedAt) this.#answeredAfterEnd++;
    this.tickOps++;
    if (this.frozen) return;
    const serviceUs = (doneAt - sentAt) * 1000;
    const latencyUs = this.correctFromIntended
      ? (doneAt - intended - sendLagMs(intended, sentAt, queuedMs)) * 1000
      : serviceUs;
    if (this.completesInWindow(doneAt)) {
      this.ops++;
      this.#lastOkAt = doneAt;
      const second = this.#second(doneAt);
      second.ops++;
      recordMicros(second.latency, latencyUs);
    }
    if (!this.measures(intended)) return;
    if (doneAt > this.windowEnd) this.drained++;
    recordMicros(this.service, serviceUs);
    recordMicros(this.latency, latencyUs);
  }

  failed(intended: number, sentAt: number, doneAt: number, err: unknown, queuedMs = 0): ErrorKind {
    this.pending--;
    this.tickOps++;
    this.tickErrors++;
    const kind = this.abandoned ? 'timeout' : err instanceof OpError ? err.kind : 'protocol';
    if (this.frozen) return kind;
    if (this.completesInWindow(doneAt)) this.#second(doneAt).errors++;
    if (!this.measures(intended)) return kind;
    this.errors[kind]++;
    this.errorSamples[kind] ??= this.abandoned
      ? abandonedMessage
      : err instanceof Error
        ? err.message
        : String(err);
    const from = this.correctFromIntended ? intended + sendLagMs(intended, sentAt, queuedMs) : sentAt;
    recordMicros(this.failedLatency, (doneAt - from) * 1000);
    return kind;
  }

  /** The measured window has just closed: what is still pending is in flight at its end. */
  windowClosed(now: number): void {
    if (this.frozen) return;
    this.#inFlightAtEnd = this.pending;
    this.#closedAt = now;
  }

  drop(intended: number): void {
    if (this.measures(intended)) this.dropped++;
  }

  #second(t: number) {
    const i = Math.min(this.#seconds.length - 1, Math.max(0, Math.floor((t - this.windowStart) / 1000)));
    return this.#seconds[i] as { ops: number; errors: number; latency: Histogram };
  }

  /** p99 (µs) of what completed in the current second, for live progress. */
  currentP99(now: number): number {
    const s = this.#second(now);
    return s.latency.totalCount === 0 ? 0 : s.latency.getValueAtPercentile(99);
  }

  snapshot(measuredMs: number): RecorderSnapshot {
    const seconds = Math.max(1, Math.ceil(measuredMs / 1000 - 1e-9));
    return {
      ops: this.ops,
      drained: this.drained,
      sent: this.sent,
      dropped: this.dropped,
      verified: this.verified,
      latency: encodeHistogram(this.latency),
      service: encodeHistogram(this.service),
      sendLag: encodeHistogram(this.sendLag),
      queued: this.queued,
      backlogWait: encodeHistogram(this.backlogWait),
      errors: { ...this.errors },
      errorSamples: { ...this.errorSamples },
      unansweredAtEnd: Math.max(0, this.#inFlightAtEnd - this.#answeredAfterEnd),
      lastOkMs: this.ops === 0 ? -1 : this.#lastOkAt - this.windowStart,
      failedLatency: encodeHistogram(this.failedLatency),
      timeline: this.#seconds
        .slice(0, seconds)
        .map((s) => ({ ops: s.ops, errors: s.errors, latency: encodeHistogram(s.latency) })),
    };
  }
}

/**
 * The driver's own lateness for an operation due at `intended` and sent at `sentAt` after waiting
 * `queuedMs` for a free connection: from the due time to when the driver fired it, ms (≥ 0).
 */
export function sendLagMs(intended: number, sentAt: number, queuedMs: number): number {
  return Math.max(0, sentAt - intended - queuedMs);
}

export function totalErrors(errors: Record<ErrorKind, number>): number {
  return errorKinds.reduce((sum, k) => sum + errors[k], 0);
}
