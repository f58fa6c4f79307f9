/** Fixed ranges of scenario fields; see limits.ts for the two kinds of bound. */
const MiB = 1024 * 1024;
const hourMs = 3_600_000;

/** Fixed bounds of every numeric field (inclusive). Durations in ms, sizes in bytes. */
export const bounds = {
  /** load.connections: per case, all workers together. */
  connections: 100_000,
  /** load.inFlight: per connection. */
  inFlight: 10_000,
  /** load.maxInFlight: outstanding or queued, all connections together. */
  maxInFlight: 1_000_000,
  /** load.subscribers */
  subscribers: 100_000,
  /** load.rate, operations/s (a Node driver thread sends well under 1M/s over loopback). */
  rate: 10_000_000,
  /** workers: driver worker threads. */
  workers: 64,
  /** processes: driver processes. */
  processes: 64,
  repeat: 1000,
  verifyEvery: 1_000_000_000,
  /** payload.size: building an 8 MiB record takes the driver ~0.7 s (gRPC's default limit is 4 MiB). */
  payloadSize: 8 * MiB,
  /** duration: one measured window. */
  durationMs: 12 * hourMs,
  warmupMs: hourMs,
  timeoutMs: hourMs,
  serverDelayMs: hourMs,
  /** Cases one plan may expand to (matrix product × cases). */
  cases: 10_000,
  /** The whole plan's estimated wall time (every case × repeat × (warm-up + window)). */
  planMs: 24 * hourMs,
  /** Size of a scenario file. */
  fileBytes: MiB,
} as const;
