/**
 * The summary table's shapes (columns, rows, flags, notes) and the small readers of a case both
 * model.ts and notes.ts use; model.ts builds the table, notes.ts its notes.
 */
import type { CaseSpec } from '../plan/types.js';
import type { CaseResult, ErrorKind, Measurement } from '../result/types.js';

/** Column keys of the summary table, in display order. */
export const summaryColumns = [
  { key: 'case', title: 'case', align: 'left' },
  { key: 'load', title: 'load', align: 'left' },
  { key: 'opsPerSec', title: 'ops/s', align: 'right' },
  { key: 'p50', title: 'p50', align: 'right' },
  { key: 'p99', title: 'p99', align: 'right' },
  { key: 'p999', title: 'p99.9', align: 'right' },
  { key: 'max', title: 'max', align: 'right' },
  { key: 'payload', title: 'payload', align: 'right' },
  { key: 'wire', title: 'wire', align: 'right' },
  { key: 'serverCpu', title: 'srv CPU', align: 'right' },
  { key: 'driverCpu', title: 'drv CPU', align: 'right' },
  { key: 'errors', title: 'errors', align: 'right' },
  { key: 'detail', title: 'detail', align: 'left' },
  { key: 'flags', title: 'flags', align: 'left' },
] as const;

/**
 * The columns worth showing for these rows: 'detail' only when some row has one (push deliveries,
 * connection cost, helper processes), so request/response tables stay as narrow as before.
 */
export function visibleColumns(rows: readonly SummaryRow[]): (typeof summaryColumns)[number][] {
  return summaryColumns.filter((c) => c.key !== 'detail' || rows.some((r) => r.cells.detail !== ''));
}

export type SummaryColumnKey = (typeof summaryColumns)[number]['key'];

/**
 * A trust problem or a property of a case the reader must see next to its numbers.
 * `severity` drives emphasis: 'error' = the numbers are incomplete or wrong for the question asked
 * (failed, crashed, interrupted, driver-saturated); 'warn' = read with care (dropped, partial);
 * 'info' = context (repetition spread).
 */
export interface Flag {
  readonly code:
    | 'driver-saturated'
    | 'server-limited'
    | 'dropped'
    | 'server-crashed'
    | 'interrupted'
    | 'failed'
    | 'partial'
    | 'reps'
    | 'busy-machine'
    | 'cpu-bound'
    | 'not-run';
  readonly severity: 'error' | 'warn' | 'info';
  /** Short text shown in the flags column, e.g. 'DRIVER-LIMITED', 'SERVER-LIMITED dropped 9.4%'. */
  readonly text: string;
}

export interface SummaryRow {
  readonly spec: CaseSpec;
  /** The case result; absent for plan cases that never ran (flag 'not-run'; every cell '-'). */
  readonly result?: CaseResult;
  /** One display string per column ('-' where there is no value). */
  readonly cells: Readonly<Record<SummaryColumnKey, string>>;
  readonly flags: readonly Flag[];
  /**
   * For rows without measurements: why ('E_SERVER_START: server did not report ready within 10s'),
   * at most `rowMessageMax` characters; renderers may show it across the empty metric columns.
   */
  readonly message?: string;
}

/** Longest row message; a longer reason is cut and given in full in a note. */
export const rowMessageMax = 90;

export interface SummaryNote {
  /** What the note explains: a flag code, or a general topic. */
  readonly topic:
    | Flag['code']
    | 'units'
    | 'closed-loop'
    | 'rate'
    | 'push'
    | 'connections'
    | 'errors'
    | 'environment'
    | 'placement'
    | 'run';
  /** Notes come in groups (case problems, methodology, provenance); renderers may separate them. */
  readonly group: 'cases' | 'method' | 'provenance';
  readonly severity: Flag['severity'];
  readonly text: string;
}

export interface SummaryTable {
  /** One line naming the scenario, case count and when it ran. */
  readonly title: string;
  readonly rows: readonly SummaryRow[];
  /** Explanations of the flags that appear, methodology notes, environment, run end — in this order. */
  readonly notes: readonly SummaryNote[];
}

export const errorAbbrev: Record<ErrorKind, string> = {
  timeout: 'timeout',
  connection: 'conn',
  protocol: 'proto',
  mismatch: 'mismatch',
  rejected: 'rejected',
  oversize: 'too large',
};
export const errorKindsInOrder: readonly ErrorKind[] = [
  'mismatch',
  'oversize',
  'connection',
  'protocol',
  'rejected',
  'timeout',
];

/** Repetitions that ended early for a reason the case status does not already say. */
export function unexplainedPartials(c: CaseResult): Measurement[] {
  return c.repetitions.filter((r) => r.endReason !== 'completed' && r.endReason !== c.status);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Why a case that ran has no measurements. */
export function reasonOf(c: CaseResult): string {
  if (c.error) return `${c.error.code}: ${c.error.message}`;
  return c.status === 'ok' ? 'no measurements' : `${c.status}, no measurements`;
}
