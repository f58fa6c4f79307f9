import type { MessageShape } from '../message.js';
import type { LoadInfo, LoadSpec } from './load.js';
import type { RequestSpec } from './request.js';

/** How operations are scheduled: one load model's resolved spec (./load.ts). */
export type { LoadInfo, LoadSpec } from './load.js';

/** One fully resolved case of a plan: everything the engine needs, nothing left to default. */
export interface CaseSpec {
  /** Unique within the plan, readable: 'rest closed c=50 1KiB'. */
  readonly id: string;
  readonly pattern: string;
  /** The scenario's `label` for the case ('capacity', 'grpc-js client'), shown in row names. */
  readonly label?: string;
  /** Pattern options as written in the scenario (validated against the pattern's schema). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly load: LoadSpec;
  /** How the load describes itself (table label, schedule), computed when the case is resolved. */
  readonly loadInfo: LoadInfo;
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
  /** Driver processes (`processes:`, `--processes`; absent: the driver runs in the CLI's process). */
  readonly processes?: number | 'auto';
  /** Open loops: how the driver waits for due times (absent: `auto`, resolved per run: src/engine/pacing.ts). */
  readonly pacing?: 'auto' | 'spin' | 'sleep';
  /** Artificial service time added by the started server before each response (ground truth). */
  readonly serverDelayMs: number;
  /** Server processes, each on its own port (`server.processes`; absent: one). */
  readonly serverProcesses?: number;
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
  /** The question the scenario answers, shown at the head of the answer block (scenario `question`). */
  readonly question?: string;
  /**
   * The row others are compared with in the answer block: a pattern name or a case label (scenario
   * `baseline`); default: each group's floor (tcp, else the first pattern).
   */
  readonly baseline?: string;
  /** k6-style thresholds `commbench check` applies when given none ('grpc.p99<2ms'; scenario `thresholds`). */
  readonly thresholds?: readonly string[];
  /** File path, or 'builtin:<name>'. */
  readonly source: string;
  readonly cases: readonly CaseSpec[];
}
