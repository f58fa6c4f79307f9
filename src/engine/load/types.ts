import type { Clock } from '../clock.js';

/**
 * A load model decides when operations start and on which connection; it knows nothing of
 * patterns or recording (k6 executors, vegeta pacers). Times are on `clock` (ms).
 */
export interface LoadModel {
  /** Issues operations until `ctx.endAt` or abort; resolves when every issued operation has finished. */
  run(ctx: LoadContext): Promise<void>;
}

export interface LoadContext {
  readonly clock: Clock;
  /** Number of connections (clients) operations may be spread over. */
  readonly connections: number;
  /** The schedule starts here (rate: operation 0 is due at startAt, even if run() is called later). */
  readonly startAt: number;
  /** No operation is issued at or after this time. */
  readonly endAt: number;
  readonly signal: AbortSignal;
  /**
   * Performs one operation on `connection`, scheduled for `intended` (for closed loops: the moment
   * it was issued). `queuedMs`: how long it waited in the load model's backlog for a free connection
   * (rate model; 0 or absent when a connection was free when it fell due) — the server's backlog,
   * which is not the driver's lateness. Resolves when the operation has finished, successfully or
   * not; never rejects.
   */
  readonly perform: (connection: number, intended: number, queuedMs?: number) => Promise<void>;
  /** An operation was due but could not be sent (rate model at maxInFlight). */
  readonly drop: (intended: number) => void;
}
