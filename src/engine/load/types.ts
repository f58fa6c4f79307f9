import type { ZodOptional, ZodType } from 'zod';
import type { LoadBase, LoadInfo, RateSpec } from '../../plan/load.js';
import type { Measurement } from '../../result/types.js';
import type { Clock } from '../clock.js';

/** The plan's load types (src/plan/load.ts), for the models' code. */
export type { LoadBase, LoadInfo, LoadSchedule } from '../../plan/load.js';

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
  /** The measured window starts here (after the warm-up); startAt ≤ windowAt ≤ endAt. */
  readonly windowAt: number;
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

/**
 * Where one worker thread's share of a schedule starts: `phase` is the share's offset into its
 * own schedule as a fraction of one of its operations (share i of n with equal connections: i/n),
 * so that the shares' sends interleave into one schedule instead of firing at the same instants.
 */
export interface SharePlacement {
  readonly phase: number;
}

/**
 * What a load model tells the who-limited-the-run verdict (src/engine/verdict.ts) about its
 * schedule; the verdict itself is decided there, from the window's figures.
 */
export interface LimitRules {
  /**
   * Open schedules: the send lag (p99, µs) above which the driver fell behind its schedule, also the
   * backlog wait above which the server did. Absent for closed schedules, whose driver is judged by
   * its event loop instead.
   */
  readonly lagLimitUs?: number;
  /** Open schedules: the most operations outstanding or waiting before due ones are dropped. */
  readonly maxInFlight?: number;
  /** The model holds connections and sends nothing (connection cost): nothing limits a rate. */
  readonly holds?: true;
}

/** One step of a search: its index (0 = first) and the warm-up and measured window it runs, ms. */
export interface SearchWindow {
  readonly index: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/**
 * Everything about one load model (k6's executor config: Validate, GetDescription,
 * GetExecutionRequirements; vegeta's Pacer: Pace, Rate, String). A model is one file under
 * src/engine/load/ exporting one of these, plus one line in registry.ts.
 */
export interface LoadDefinition<S extends LoadBase & { readonly model: string }> {
  readonly name: S['model'];
  /** One line for the schema's `model` description and the docs. */
  readonly summary: string;
  /**
   * Its schema fragment: the `load` fields it accepts besides `model`, each optional (levels merge:
   * defaults, case, matrix, flags). A field shared with another model must be the same schema.
   */
  readonly shape: Record<string, ZodOptional<ZodType>>;
  /** Fields whose presence selects this model when `model` is not given ('rate' → rate). */
  readonly impliedBy?: readonly string[];
  /**
   * The resolved spec from the merged fields, `base` holding the defaulted common fields; a
   * string is the problem (a missing field), reported at the level that set `model`.
   */
  resolve(fields: Readonly<Record<string, unknown>>, base: LoadBase & { maxInFlight: number }): S | string;
  /** Its label (without the workers suffix the registry appends) and schedule. */
  describe(spec: S): LoadInfo;
  /** Case-id parts: the model's name when not the default, its rate, its maxInFlight. */
  idParts(spec: S): { readonly model?: string; readonly rate?: string; readonly max?: string };
  /**
   * Share `index` of `count` (worker threads, shards), carrying `connections` of the spec's: its
   * load (rates in proportion to connections, maxInFlight split so the shares sum to the whole)
   * and, for worker threads of one process, where its schedule starts.
   */
  share(spec: S, connections: number, index: number, count: number): { load: S; placement?: SharePlacement };
  /** The inverse of `share` for shards' results: the load they carried together. */
  combine(parts: readonly S[]): S;
  /** Latency (and delivery latency) runs from the intended send time, not the actual one. */
  readonly fromIntendedTime: boolean;
  /** Most operations the driver holds outstanding or queued (memory estimate). */
  maxOutstanding(spec: S): number;
  /** This model's inputs to the who-limited-the-run verdict (its lag limit for a rate). */
  limits(spec: S): LimitRules;
  /** The schedule: issues operations (absent for `hold`). */
  model?(spec: S, placement: SharePlacement | undefined): LoadModel;
  /**
   * Instead of one window, the model searches: the runner calls this once per repetition with
   * `step`, which measures one window at a rate-model load on the same server (the knee model's
   * capacity search), and the case's `window` (warm-up and measured time); the search chooses each
   * step's own warm-up and window from it. The measurement returned stands for the repetition.
   */
  search?(
    spec: S,
    step: (load: RateSpec, window: SearchWindow) => Promise<Measurement>,
    window: { readonly warmupMs: number; readonly durationMs: number },
  ): Promise<Measurement>;
  /**
   * Instead of operations, the case holds connections open and measures what that costs (the
   * connection-cost model): the runner holds them (src/engine/hold.ts) in place of the drivers.
   */
  readonly hold?: true;
}
