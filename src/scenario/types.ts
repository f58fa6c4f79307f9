import type { MessageShape } from '../message.js';
import type { RequestSpec } from '../patterns/request/schema.js';

/**
 * How operations are scheduled.
 * - closed: `connections` clients, each keeping `inFlight` operations outstanding, as fast as possible.
 * - rate: operations due at t0 + i/rate (open loop), sent on a connection with fewer than `inFlight`
 *   outstanding or else queued in the driver until one frees; latency counts from the due time.
 *   When `maxInFlight` operations are outstanding or queued, a due operation is dropped (counted,
 *   never silently skipped).
 */
export type LoadSpec =
  | {
      /**
       * Connection cost: opens `connections` idle connections (request/response patterns: each
       * with one round trip so it is really open) or subscriptions (push/queue patterns), holds
       * them for the duration, and reports the server's memory and file descriptors per connection.
       */
      readonly model: 'connections';
      readonly connections: number;
      /** Unused by this model; present so every model has it. */
      readonly inFlight: number;
      readonly subscribers?: number;
    }
  | {
      readonly model: 'closed';
      readonly connections: number;
      readonly inFlight: number;
      /** Push and queue patterns: subscribers (consumers) opened in the driver; default 1. */
      readonly subscribers?: number;
    }
  | {
      readonly model: 'rate';
      /** Push and queue patterns: subscribers (consumers) opened in the driver; default 1. */
      readonly subscribers?: number;
      readonly connections: number;
      /** Operations per second across all connections and workers. */
      readonly rate: number;
      /** Most operations outstanding on one connection (1 = no pipelining / one stream). */
      readonly inFlight: number;
      /** Most operations outstanding or queued in the driver, all connections together. */
      readonly maxInFlight: number;
    };

/** One fully resolved case of a plan: everything the engine needs, nothing left to default. */
export interface CaseSpec {
  /** Unique within the plan, readable: 'rest closed c=50 1KiB'. */
  readonly id: string;
  readonly pattern: string;
  /** Pattern options as written in the scenario (validated against the pattern's schema). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly load: LoadSpec;
  readonly payload: { readonly size: number; readonly shape: MessageShape };
  /** Measured window per repetition, ms. */
  readonly durationMs: number;
  /** Excluded from measurement, before every repetition, ms. */
  readonly warmupMs: number;
  readonly repeat: number;
  /** Per-operation timeout, ms. */
  readonly timeoutMs: number;
  /** Driver worker threads (1 = client runs in the CLI's main thread). */
  readonly workers: number;
  /** Artificial service time added by the started server before each response (ground truth). */
  readonly serverDelayMs: number;
  /** An existing server's URL: drive it instead of starting one. */
  readonly target?: string;
  /** Every n-th operation of each client has its whole echo compared (the first always is). */
  readonly verifyEvery: number;
  /** The user's own request (instead of an echo); file paths in it are absolute. */
  readonly request?: RequestSpec;
  /** Linux: CPUs the server (with its helpers) and the driver are pinned to (scenario `placement`). */
  readonly placement?: { readonly server?: readonly number[]; readonly driver?: readonly number[] };
}

export interface Plan {
  readonly name: string;
  readonly description: string;
  /** File path, or 'builtin:<name>'. */
  readonly source: string;
  readonly cases: readonly CaseSpec[];
}
