/** Thresholds of the who-limited-the-run verdict (src/engine/verdict.ts). */
export const saturation = {
  /** Closed loops: busiest driver thread's event loop busy at least this share of the window... */
  eventLoopUtilization: 0.9,
  /** ... while the busiest server process used less than this share of a core (else CPU-BOUND). */
  serverBusy: 0.8,
  /** Open loops: sends later than their schedule by this much (p99, µs)... */
  sendLagP99Us: 2000,
  /** ... or by this share of the interval between scheduled operations, whichever is larger. */
  sendLagShareOfInterval: 0.25,
  /** At least this share of operations failed: the errors, not a limit, describe the run. */
  failedShare: 0.1,
} as const;
