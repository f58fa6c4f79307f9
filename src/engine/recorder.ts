import type { Histogram } from '../metrics/histogram.js';
import { createHistogram, encodeHistogram, recordMicros } from '../metrics/histogram.js';
import { errorKinds, OpError, type ErrorKind } from '../patterns/types.js';

/** What one driver thread measured in its window; histograms encoded so threads merge exactly. */
export interface RecorderSnapshot {
  readonly ops: number;
  readonly sent: number;
  readonly dropped: number;
  readonly verified: number;
  /** µs from the intended start (rate) or actual start (closed). */
  readonly latency: string;
  /** µs from the actual send. */
  readonly service: string;
  /** µs from the intended to the actual send (how late the driver was; rate model). */
  readonly sendLag: string;
  readonly errors: Record<ErrorKind, number>;
  readonly errorSamples: Partial<Record<ErrorKind, string>>;
  /** Per second of the window: completed ops, errors, and a histogram of their latency. */
  readonly timeline: readonly { ops: number; errors: number; latency: string }[];
}

/**
 * Times operations. Only operations intended to start inside [windowStart, windowEnd) count;
 * earlier ones are warm-up. All times in ms on the driver's clock; latencies recorded in µs.
 * Hot path: three histogram records per successful operation, no allocation.
 */
export class Recorder {
  ops = 0;
  sent = 0;
  dropped = 0;
  verified = 0;
  /** Operations finished (ok or not) since the last progress tick, for live display. */
  tickOps = 0;
  /** Failed operations since the last progress tick. */
  tickErrors = 0;
  readonly latency = createHistogram();
  readonly service = createHistogram();
  readonly sendLag = createHistogram();
  readonly errors: Record<ErrorKind, number> = { timeout: 0, connection: 0, protocol: 0, mismatch: 0 };
  readonly errorSamples: Partial<Record<ErrorKind, string>> = {};
  readonly #seconds: { ops: number; errors: number; latency: Histogram }[] = [];
  /** Ignore everything after this (interrupt, crash): late completions must not count as errors. */
  frozen = false;

  constructor(
    readonly windowStart: number,
    readonly windowEnd: number,
    readonly correctFromIntended: boolean,
  ) {
    const seconds = Math.max(1, Math.ceil((windowEnd - windowStart) / 1000));
    for (let i = 0; i < seconds; i++) this.#seconds.push({ ops: 0, errors: 0, latency: createHistogram() });
  }

  /** True when an operation intended at `intended` belongs to the measured window. */
  measures(intended: number): boolean {
    return intended >= this.windowStart && intended < this.windowEnd && !this.frozen;
  }

  started(intended: number, verify: boolean): void {
    if (!this.measures(intended)) return;
    this.sent++;
    if (verify) this.verified++;
  }

  ok(intended: number, sentAt: number, doneAt: number): void {
    this.tickOps++;
    if (!this.measures(intended)) return;
    this.ops++;
    const serviceUs = (doneAt - sentAt) * 1000;
    recordMicros(this.service, serviceUs);
    const latencyUs = this.correctFromIntended ? (doneAt - intended) * 1000 : serviceUs;
    recordMicros(this.latency, latencyUs);
    if (this.correctFromIntended) recordMicros(this.sendLag, (sentAt - intended) * 1000);
    const second = this.#second(doneAt);
    second.ops++;
    recordMicros(second.latency, latencyUs);
  }

  failed(intended: number, doneAt: number, err: unknown): ErrorKind {
    this.tickOps++;
    this.tickErrors++;
    const kind = err instanceof OpError ? err.kind : 'protocol';
    if (!this.measures(intended)) return kind;
    this.errors[kind]++;
    this.errorSamples[kind] ??= err instanceof Error ? err.message : String(err);
    this.#second(doneAt).errors++;
    return kind;
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
      sent: this.sent,
      dropped: this.dropped,
      verified: this.verified,
      latency: encodeHistogram(this.latency),
      service: encodeHistogram(this.service),
      sendLag: encodeHistogram(this.sendLag),
      errors: { ...this.errors },
      errorSamples: { ...this.errorSamples },
      timeline: this.#seconds
        .slice(0, seconds)
        .map((s) => ({ ops: s.ops, errors: s.errors, latency: encodeHistogram(s.latency) })),
    };
  }
}

export function totalErrors(errors: Record<ErrorKind, number>): number {
  return errorKinds.reduce((sum, k) => sum + errors[k], 0);
}
