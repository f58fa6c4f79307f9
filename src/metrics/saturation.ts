/** Thresholds of the driver-saturation flag. */
export const saturation = {
  /** Busiest driver thread's event loop busy at least this share of the window... */
  eventLoopUtilization: 0.9,
  /** ... while the busiest server process used less than this share of a core. */
  serverBusy: 0.8,
  /** Rate model: sends later than their schedule by this much (p99, µs). */
  sendLagP99Us: 2000,
  /** ... or by this share of the interval between scheduled operations, whichever is larger. */
  sendLagShareOfInterval: 0.25,
  /**
   * Rate model: late sends do not blame the driver when the server's backlog wait (p99 over the
   * sends) is at least this many times the send lag: the backlog limited the run.
   */
  backlogOverLag: 10,
} as const;
