import type { CpuPlacement } from '../proc/placement.js';
import type { CaseSpec, Plan } from '../plan/types.js';
import type { ErrorKind } from '../errors.js';
import type { LatencySummary } from '../metrics/histogram.js';

/** The kinds of failed operation (src/errors.ts) and the latency summary (src/metrics/histogram.ts) results store. */
export { errorKinds, noErrors, type ErrorKind } from '../errors.js';
export type { LatencySummary } from '../metrics/histogram.js';

/**
 * The result file: the one source of truth every report, compare and check reads.
 * Units: latencies µs, durations ms, sizes bytes, CPU µs. Bump `schemaVersion` on breaking change.
 */
export const schemaVersion = 2;

/**
 * Who limited a measured window, in order of precedence: the first that holds is the verdict
 * (src/engine/verdict.ts decides it; see there for each rule). Exclusive: one per window.
 */
export const limitsInPrecedence = ['SERVER-LIMITED', 'BUSY-MACHINE', 'CPU-BOUND', 'DRIVER-LIMITED'] as const;
export type Limit = (typeof limitsInPrecedence)[number];

/** The one answer to "who limited the run", decided once per window and stored with it. */
export interface Verdict {
  /** 'none' when nothing limited the run, or when errors, not a limit, describe it (see `why`). */
  readonly limit: Limit | 'none';
  /** One line: why this answer, in the figures' terms. */
  readonly why: string;
  /**
   * The figures the rules read, by name with their unit as a suffix: sendLagP99Us, lagLimitUs,
   * backlogWaitP99Us, queued, dropped, sent, ops, errors, eventLoopUtilization, serverBusyCores,
   * otherCores, … (absent when not measured).
   */
  readonly figures: Readonly<Record<string, number>>;
}

export type EndReason = 'completed' | 'interrupted' | 'failed';

export interface Result {
  readonly schemaVersion: typeof schemaVersion;
  readonly tool: { readonly name: 'commbench'; readonly version: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly environment: Environment;
  /** The resolved plan: scenario name, source and every case as run. */
  readonly plan: Plan;
  readonly cases: readonly CaseResult[];
  readonly endReason: EndReason;
  /** Set when endReason is not 'completed'. */
  readonly endMessage?: string;
  /**
   * Set by `commbench merge`: the results run side by side (several load generators) that this one
   * sums; `environment` is then the first one's, and every environment is listed here.
   */
  readonly mergedFrom?: readonly MergedSource[];
  /**
   * Set by `run --shard i/N`: this result holds share `index` (0-based) of `count` of every case's
   * load (the plan's loads are the share's); `commbench merge` of all N sums them back.
   */
  readonly shard?: ShardInfo;
}

export interface ShardInfo {
  readonly index: number;
  readonly count: number;
  /** `--start-at`, ISO time: when the first repetition's load was scheduled to start. */
  readonly startAt?: string;
  /** How much later than its slot the latest repetition's load started, ms (0 = on time). */
  readonly lateMs?: number;
}

export interface MergedSource {
  /** The file name as given to merge. */
  readonly file: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly environment: Environment;
}

export interface Environment {
  readonly node: string;
  readonly os: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryBytes: number;
  readonly gitSha?: string;
}

export type CaseStatus = 'ok' | 'failed' | 'server-crashed' | 'interrupted';

export interface CaseResult {
  readonly spec: CaseSpec;
  readonly status: CaseStatus;
  /** Why the case did not complete (status not 'ok'). */
  readonly error?: { readonly code: string; readonly message: string };
  /** One entry per repetition that produced measurements (partial ones included, marked). */
  readonly repetitions: readonly Measurement[];
  /** All repetitions merged (histograms exactly; counters summed; rates averaged). Absent if none. */
  readonly summary?: Measurement;
}

/**
 * One second of a repetition's measured window. `ops` is also the second's throughput (ops/s).
 * Latencies are of the operations completed in this second, µs (0 when none); p50, p90 and max
 * are absent in results written before they were recorded.
 */
export interface TimelinePoint {
  /** Seconds since the start of the measured window (end of the 1 s bucket). */
  readonly t: number;
  readonly ops: number;
  readonly errors: number;
  readonly p50?: number;
  readonly p90?: number;
  readonly p99: number;
  readonly max?: number;
}

export interface Measurement {
  /** Repetition index (0-based); -1 for a merged summary. */
  readonly repetition: number;
  /** 'completed', or why the window ended early. */
  readonly endReason: 'completed' | 'interrupted' | 'server-crashed' | 'failed';
  /** Length of the measured window, ms. */
  readonly durationMs: number;
  /**
   * Operations that completed successfully inside the window [start, end], whenever they were due
   * (what the server got done in the window; the timeline's seconds sum to it).
   */
  readonly ops: number;
  /** ops / measured seconds. */
  readonly throughput: number;
  /**
   * Operations due in the window that completed successfully only after it ended (the post-window
   * drain): in the latency percentiles, never in `ops` or `throughput`. Absent in older results.
   */
  readonly drained?: number;
  /** Operations started (closed) or scheduled and sent (rate). */
  readonly sent: number;
  /** Rate model only: operations due while maxInFlight were outstanding, never sent. */
  readonly dropped: number;
  /**
   * Operations in flight when the window ended (whenever they were due) that never succeeded after
   * it: they failed, timed out or were still pending at the drain deadline (those due in the window
   * are also in `errors`). A server that stopped answering shows here even when no timeout fell in
   * the window; 0 for a healthy run. Absent in older results.
   */
  readonly unansweredAtEnd?: number;
  /**
   * Present when `unansweredAtEnd` > 0: ms at the window's end since the last operation that
   * succeeded (the whole window when none did). A long one is a stall: the server stopped answering
   * (see src/result/success.ts). Per window: a summary of several repetitions has none.
   */
  readonly quietAtEndMs?: number;
  /** Operations whose whole echo was compared (the rest have their seq checked). */
  readonly verified: number;
  /**
   * Latency as the user sees it, µs: for the rate model from the scheduled send time
   * (coordinated-omission corrected); for closed loops equal to `service`. Of the successful
   * operations due in the window (failed ones are in `failedLatency`).
   */
  readonly latency: LatencySummary;
  /**
   * Latency of the operations due in the window that failed (timeouts, errors), measured like
   * `latency`; present when some failed.
   */
  readonly failedLatency?: LatencySummary;
  /** From the actual send to completion, µs (the uncorrected service time). */
  readonly service: LatencySummary;
  /**
   * Rate model: operations that fell due while every connection was busy and waited in the driver's
   * backlog for a free one — the server's backlog (slow or stalled answers, or too few connections
   * for its latency), which is not counted as driver send lag. Absent for other models.
   */
  readonly backlog?: BacklogMetrics;
  readonly timeline: readonly TimelinePoint[];
  readonly errors: Readonly<Record<ErrorKind, number>> & { readonly total: number };
  /** Example error messages, at most one per kind. */
  readonly errorSamples: Readonly<Partial<Record<ErrorKind, string>>>;
  /** Serialized request + response body bytes per completed operation (request, response, total). */
  readonly payload: { readonly requestPerOp: number; readonly responsePerOp: number; readonly perOp: number };
  /** Bytes the driver's sockets read and wrote in the window (all layers: framing, headers, TCP payload). */
  readonly wire: { readonly read: number; readonly written: number; readonly perOp: number };
  /**
   * The whole machine during the window (Linux /proc/stat; absent for --target runs without
   * --server-pid, whose server is not ours to subtract). `otherCores`: CPU used by processes other than the driver and the
   * server — when it is large, the numbers were taken on a busy machine.
   */
  readonly machine?: { readonly cores: number; readonly busyCores: number; readonly otherCores: number };
  /**
   * Cases with `placement` (Linux): the CPUs the server process and the driver could run on during
   * the repetition, read back from /proc/<pid>/status (Cpus_allowed_list), e.g. { server: '1', driver: '0' }.
   */
  readonly placement?: CpuPlacement;
  /**
   * Capacity-search cases (load model 'knee'): every step of the search. The rest of this
   * measurement is the window of the highest rate that met the objective (the first step's when none did).
   */
  readonly search?: SearchResult;
  /** Connection-cost cases (load model 'connections'): what holding connections open costs. */
  readonly connections?: ConnectionCost;
  /** Push and queue patterns: what the subscribers received (publish → receipt on one clock). */
  readonly delivery?: DeliveryMetrics;
  readonly server?: ServerMetrics;
  /** Who limited this window (a summary: the most binding of its repetitions'). */
  readonly verdict: Verdict;
  readonly driver: {
    readonly workers: number;
    /** Driver processes the load was split among, their CPU summed in cpuUs; absent: one. */
    readonly processes?: number;
    /**
     * Loopback source addresses the connections were spread over (127.0.0.1 … 127.0.0.N, bound before
     * connecting: each has its own ~28k source ports); absent: one, the kernel's choice.
     */
    readonly sourceAddresses?: number;
    /**
     * Open loops: how the driver waited for due times (`spin` busy-waits, `sleep` sleeps on a timing
     * thread) and why (`auto`'s reason, or 'asked for'). Absent for closed loops and older results.
     */
    readonly pacing?: { readonly pacing: 'spin' | 'sleep'; readonly reason: string };
    /** CPU of the driver process in the window, µs, pacing included. */
    readonly cpuUs: number;
    /** CPU per operation, µs: everything the driver process used (cpuUs / ops), pacing included. */
    readonly cpuUsPerOp: number;
    /**
     * Open loops: the share of cpuUs spent pacing (waiting for due times on the event loop), µs, at
     * most cpuUs; shown beside cpuUsPerOp, never subtracted from it. Absent when none.
     */
    readonly pacingUs?: number;
    /** CPU time / wall time of the driver process (1.0 = one core busy). */
    readonly cpuUtilization: number;
    /** Event-loop delay of the busiest driver thread, µs. */
    readonly eventLoopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
    /** Share of the window the busiest driver thread's event loop was busy (0..1). */
    readonly eventLoopUtilization: number;
    /**
     * Rate model: how late sends were against their schedule, p99 µs (0 for closed loops): from the
     * due time to when the driver could send, not counting a wait for a free connection (`backlog`).
     */
    readonly sendLagP99: number;
  };
}

/** A measurement before its verdict is decided (src/engine/verdict.ts adds it). */
export type WindowFigures = Omit<Measurement, 'verdict'>;

/** The knee model's capacity search (src/engine/load/knee.ts). */
export interface SearchResult {
  /**
   * What a step had to meet: p99 (from the scheduled send time) at most p99Ms (and nothing dropped,
   * no errors, 95% served). maxQueuedShare: results written before 2026-12-08 also capped the share
   * of sends that waited for a free connection.
   */
  readonly objective: { readonly p99Ms: number; readonly maxQueuedShare?: number };
  /** In the order run. */
  readonly steps: readonly SearchStep[];
  /** Highest offered rate that met the objective, ops/s; absent when none did. */
  readonly capacity?: number;
  /**
   * knee: broke above capacity; ceiling: the highest rate offered met it (capacity ≥); driver: a
   * step was driver-limited (capacity ≥); floor: the first step broke it; steps: out of steps;
   * interrupted: the run stopped.
   */
  readonly end: 'knee' | 'ceiling' | 'driver' | 'floor' | 'steps' | 'interrupted';
  /** One line: the capacity and where and why the objective broke. */
  readonly verdict: string;
  /** Wall time of the search, ms (absent in older results). */
  readonly durationMs?: number;
  /** Set on a merged summary: each repetition's capacity, 0 where it found none (the summary's search is the median one's). */
  readonly capacities?: readonly number[];
  /** Set on a merged summary of several repetitions: how the capacities they found spread. */
  readonly spread?: CapacitySpread;
}

/** The spread of the capacities found by the repetitions of a search (those that found one). */
export interface CapacitySpread {
  /** Repetitions that found a capacity (of `capacities.length`). */
  readonly n: number;
  readonly min: number;
  readonly max: number;
  /** Coefficient of variation: sample standard deviation / mean (0..; 0 with one capacity). */
  readonly cv: number;
}

export interface SearchStep {
  /** Offered rate, ops/s. */
  readonly rate: number;
  /** Completed in the step's window, ops/s. */
  readonly throughput: number;
  /** Latency from the scheduled send time, µs. */
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly dropped: number;
  /** Sends that waited for a free connection. */
  readonly queued: number;
  readonly driverLimited: boolean;
  readonly serverCpuUsPerOp: number;
  readonly driverCpuUsPerOp: number;
  readonly met: boolean;
  /** Why the objective broke (empty when met). */
  readonly broke: readonly string[];
}

export interface BacklogMetrics {
  /** Operations due in the window that waited for a free connection. */
  readonly queued: number;
  /** How long they waited, µs, over every operation sent (those not queued waited 0). */
  readonly waitP99: number;
  readonly waitMax: number;
  /** The queued operations' waits (hdr-histogram-js compressed base64, µs), so repetitions merge exactly. */
  readonly encoded?: string;
}

/**
 * The server side's figures over the window: commbench's own server, or for a --target case the
 * --server-pid process and its descendants (read from /proc in 10 ms ticks); absent for a --target
 * case without --server-pid.
 */
export interface ServerMetrics {
  /** CPU of the server process during the window, plus that of its `helpers` when it has any. */
  readonly cpuUs: number;
  readonly cpuUsPerOp: number;
  /**
   * CPU time / wall time of the busiest server-side process (the server, or one of its helpers):
   * 1 = a core busy all the window; near 1 the (single-threaded) server was the bottleneck.
   */
  readonly cpuUtilization?: number;
  /** Peak RSS of the server process, bytes. */
  readonly maxRssBytes: number;
  /**
   * Processes the server started to carry its traffic (the hops of a call chain, a gateway or
   * sidecar proxy) or that carry its traffic (the broker of a queue pattern: role 'broker:rabbitmq',
   * 'broker:redis', 'broker:nats'), each measured from /proc over the same window; absent for other
   * patterns.
   */
  readonly helpers?: readonly HelperMetrics[];
  /**
   * Processes that carry the traffic but whose CPU is not in `cpuUs` (nor subtracted from
   * `machine.otherCores`) because commbench cannot read it, e.g. a broker given with --broker-url.
   * Absent when there are none.
   */
  readonly unmeasured?: readonly UnmeasuredProcess[];
  /**
   * Counts the server kept itself over the window, by name, e.g. `received`: requests the service
   * behind a mesh's sidecars received (retries included). Absent for patterns that keep none.
   */
  readonly counters?: Readonly<Record<string, number>>;
}

export interface UnmeasuredProcess {
  /** As HelperMetrics.role, e.g. 'broker:rabbitmq'. */
  readonly role: string;
  /** Why, e.g. 'amqp://127.0.0.1:5672 is a broker commbench did not start'. */
  readonly reason: string;
}

export interface HelperMetrics {
  /** What the process is, e.g. 'hop 3 (grpc)', 'proxy 1 (nginx)', 'proxy 1 (node)', 'broker:rabbitmq'. */
  readonly role: string;
  readonly cpuUs: number;
  readonly cpuUsPerOp: number;
  /** Peak RSS of the process, bytes. */
  readonly maxRssBytes: number;
}

export interface DeliveryMetrics {
  readonly subscribers: number;
  /** Deliveries one message should produce: every subscriber for fan-out, 1 for a work queue. */
  readonly perMessage: number;
  /** Measured messages whose publish was accepted. */
  readonly published: number;
  /** published × perMessage. */
  readonly expected: number;
  /** First-time deliveries of measured messages whose publish was accepted, before the counts froze. */
  readonly delivered: number;
  /**
   * Expected deliveries that had not arrived when the grace period (the op timeout) after the window
   * ended, and that the broker did not say it still held (`undrained`).
   */
  readonly lost: number;
  /**
   * Expected deliveries the broker still held, undelivered, at the end of the grace period (a backlog
   * behind slow consumers): not lost. Absent in results written before it was counted.
   */
  readonly undrained?: number;
  /** First-time deliveries of measured messages that arrived after the counts froze (neither delivered nor lost). */
  readonly late?: number;
  /**
   * Deliveries of measured messages whose publish failed (acknowledgement timed out, connection broke)
   * although the broker had taken them: not in `published`, not duplicates.
   */
  readonly unackedDelivered?: number;
  /** Second and later receipts of a message by one subscriber (a work queue: by any subscriber). */
  readonly duplicated: number;
  /**
   * Deliveries that reached a subscriber after a message published later by the same publisher
   * connection (messages of different publishers have no order between them).
   */
  readonly outOfOrder: number;
  /** Sampled deliveries whose content differed from what was published. */
  readonly mismatched: number;
  /** First-time deliveries received inside the window / measured seconds. */
  readonly throughput: number;
  /** Publish → receipt, µs; from the scheduled send time for rate loads. */
  readonly latency: LatencySummary;
  /** Last minus first receipt of the same message across subscribers, µs (fan-out only). */
  readonly skew: LatencySummary;
  /** |inter-arrival − inter-publish| of consecutive messages at one subscriber, µs. */
  readonly jitter: LatencySummary;
  /** Time to open one subscription, µs. */
  readonly subscribe: LatencySummary;
  /** Serialized bytes per delivery. */
  readonly bytesPerDelivery: number;
  /**
   * Requests the subscribers made to receive (polling patterns), in the window; `empty` brought no
   * message (wasted). Absent when the pattern made none.
   */
  readonly requests?: { readonly total: number; readonly empty: number };
  /** Time to re-establish each dropped subscription (SSE reconnect + resume), µs. Absent when none. */
  readonly reconnect?: LatencySummary;
}

/**
 * A connection-cost case: N idle connections (or subscriptions) opened and held. The case's
 * `latency` is the time to open one (µs) and its `throughput` connections opened per second.
 */
export interface ConnectionCost {
  /**
   * Subscriptions: one message published (to every server process) while they were held, and its
   * fan-out: receipts of it at every subscriber, latency from the publish (one machine, one clock:
   * epoch time across processes), µs; `lastUs` is the last receipt. `received` < `subscribers` is
   * a loss (not received within `waitedMs`).
   */
  readonly broadcast?: {
    readonly subscribers: number;
    readonly received: number;
    readonly p50Us: number;
    readonly p99Us: number;
    readonly lastUs: number;
    readonly waitedMs: number;
  };
  readonly requested: number;
  readonly opened: number;
  readonly failed: number;
  /** First error message, when some failed. */
  readonly failure?: string;
  /** Whether they were subscriptions (push/queue patterns) rather than request/response connections. */
  readonly subscriptions: boolean;
  /** Wall time to open all of them (in batches of `concurrency`), ms. */
  readonly openMs: number;
  readonly concurrency: number;
  /** Still open at the end of the hold (the server did not drop them). */
  readonly heldOpen: number;
  /** Server process before opening and after holding (absent for --target runs or without /proc). */
  readonly server?: {
    readonly rssBeforeBytes: number;
    readonly rssAfterBytes: number;
    readonly rssPerConnectionBytes: number;
    readonly fdsBefore: number;
    readonly fdsAfter: number;
    readonly fdsPerConnection: number;
  };
  /** The driver's own memory growth per connection (client-side cost), bytes. */
  readonly driverRssPerConnectionBytes: number;
  /** The open-file limit that applied, and what it forced (e.g. fewer connections than asked). */
  readonly fdLimit: number;
  readonly note?: string;
}
