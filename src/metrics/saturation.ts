/** Thresholds of the who-limited-the-run verdict (src/engine/verdict.ts). */
export const saturation = {
  /** Closed loops: busiest driver thread's event loop busy at least this share of the window... */
  eventLoopUtilization: 0.9,
  /** ... while the busiest server process used less than this share of a core (else CPU-BOUND). */
  serverBusy: 0.8,
  /**
   * Open loops: sends later than their schedule by this much (p99, µs)... The lag is kept out of the
   * latency (it is the driver's, not the server's), so it limits the run only when it bunches the
   * schedule into bursts: a sleeping driver's wake-ups on a busy machine run a few ms late.
   */
  sendLagP99Us: 5000,
  /** ... or by this share of the interval between scheduled operations, whichever is larger. */
  sendLagShareOfInterval: 1,
  /** At least this share of operations failed: the errors, not a limit, describe the run. */
  failedShare: 0.1,
} as const;
