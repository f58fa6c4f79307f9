/**
 * The load a case runs, as data: each load model's resolved spec (the models' code is in
 * src/engine/load/<model>.ts; registry.ts checks that they resolve to exactly these), and what a
 * resolved load says about itself. Types only: the plan, results and reports read these without
 * importing the engine.
 */

/** Fields every model's resolved spec has. */
export interface LoadBase {
  /** Connections (clients), all workers together. */
  readonly connections: number;
  /** Most operations outstanding on one connection (1 = no pipelining / one stream). */
  readonly inFlight: number;
  /** Push and queue patterns: subscribers (consumers) opened in the driver; default 1. */
  readonly subscribers?: number;
}

export interface ClosedSpec extends LoadBase {
  readonly model: 'closed';
}

export interface RateSpec extends LoadBase {
  readonly model: 'rate';
  /** Operations per second across all connections and workers. */
  readonly rate: number;
  /** Most operations outstanding or queued in the driver, all connections together. */
  readonly maxInFlight: number;
}

export interface RampSpec extends LoadBase {
  readonly model: 'ramp';
  /** Operations per second at the start of the measured window (and through the warm-up), all workers. */
  readonly from: number;
  /** Operations per second at the end of the measured window, all workers. */
  readonly to: number;
  /** Most operations outstanding or queued in the driver, all connections together. */
  readonly maxInFlight: number;
}

export interface KneeSpec extends LoadBase {
  readonly model: 'knee';
  /** First rate offered, ops/s, all workers. */
  readonly from: number;
  /** Highest rate offered, ops/s. */
  readonly to: number;
  /** Rate multiplier between steps while the objective holds. */
  readonly factor: number;
  /** Bisection steps after the objective first broke. */
  readonly refine: number;
  /** The objective: p99 from the scheduled send time at most this, ms. */
  readonly p99Ms: number;
  /** The whole search (one repetition) takes at most about this long, ms: no step starts that would end past it. */
  readonly budgetMs: number;
  readonly maxInFlight: number;
}

/**
 * Connection cost. Its spec's `inFlight` is unused; present so every model has it. It issues no
 * operations: `hold` takes the drivers' place in the runner.
 */
export interface ConnectionsSpec extends LoadBase {
  readonly model: 'connections';
}

/** A resolved load: one model's spec. */
export type LoadSpec = ClosedSpec | RateSpec | RampSpec | KneeSpec | ConnectionsSpec;

/** The load models' names. */
export type LoadModelName = LoadSpec['model'];

/** How the model's operations are issued, for the reporters' method notes (stored in the case). */
export type LoadSchedule = 'closed' | 'open' | 'hold';

/** What a resolved load says about itself; computed at expand time and stored in the case. */
export interface LoadInfo {
  /** The table's load column: 'rate 2000/s c=50', 'ramp 100→2000/s × 8 conn', with ' w=4' for workers. */
  readonly label: string;
  readonly schedule: LoadSchedule;
  /** Offered rate for open schedules ('2,000/s', '100→2,000/s'). */
  readonly offered?: string;
  /** A method note the reports add once when a row uses this model (how to read its numbers). */
  readonly note?: string;
  /** Measured windows one repetition runs, at most (a search runs one per step; default 1): for time estimates. */
  readonly windows?: number;
}
