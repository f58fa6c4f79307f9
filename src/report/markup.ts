/**
 * The table that markdown and HTML share (STYLE §5: one builder, two layouts): the summary model's
 * rows in groups, with the group, a relative-to-floor column and warnings in the row. Pure data;
 * ./markdown.ts and ./html.ts only lay it out.
 */
import type { Result } from '../result/types.js';
import { buildAnswer, shortNames, type Answer } from './answer.js';
import { buildSummary, visibleColumns } from './model.js';
import type { Flag, SummaryColumnKey, SummaryNote, SummaryRow } from './model.js';
import { groupRows, type RowGroup } from './groups.js';

export type MarkupColumnKey = SummaryColumnKey | 'group';

export interface MarkupColumn {
  readonly key: MarkupColumnKey;
  readonly title: string;
  readonly align: 'left' | 'right';
}

export interface MarkupRow {
  readonly row: SummaryRow;
  /** The group label on the first row of each group, '' on the others. */
  readonly group: string;
  /** The full group label (on every row of the group). */
  readonly groupLabel: string;
  readonly cells: Readonly<Record<MarkupColumnKey, string>>;
  readonly flags: readonly Flag[];
  /** Why a case has no measurements (shown in the flags cell). */
  readonly message?: string;
}

export interface MarkupTable {
  readonly title: string;
  readonly answer: Answer;
  /** The load when every case has the same one ('closed c=50×1'), said once above the table. */
  readonly load?: string;
  readonly columns: readonly MarkupColumn[];
  readonly rows: readonly MarkupRow[];
  /** Rows' long text (push deliveries, a search's verdict, helper CPU): listed under the table. */
  readonly details: readonly { readonly row: MarkupRow; readonly text: string }[];
  readonly groups: readonly RowGroup[];
  readonly notes: readonly SummaryNote[];
}

const titles: Partial<Record<MarkupColumnKey, string>> = {
  payload: 'payload/op',
  wire: 'wire/op',
  serverCpu: 'srv CPU/op',
  driverCpu: 'drv CPU/op',
  flags: 'warnings',
};

/** Columns a PR comment does without: the tail beyond p99.9 and the long text (listed under the table). */
const leftOut: readonly SummaryColumnKey[] = ['max', 'detail', 'load'];

/**
 * Builds the markup table: a group column when payload or load varies (named after it), rows named
 * by what tells them apart within their group, the numbers that answer "which is cheaper", and the
 * warnings; the load is said once when every case shares it.
 */
export function buildMarkupTable(result: Result): MarkupTable {
  const summary = buildSummary(result);
  const grouping = groupRows(summary);
  const columns: MarkupColumn[] = [];
  if (grouping.dimension !== '') columns.push({ key: 'group', title: grouping.dimension, align: 'left' });
  for (const c of visibleColumns(summary.rows)) {
    if (leftOut.includes(c.key)) continue;
    columns.push({ key: c.key, title: titles[c.key] ?? c.title, align: c.align });
  }
  const rows: MarkupRow[] = grouping.groups.flatMap((g) => {
    const names = shortNames(g.rows);
    return g.rows.map((row, i) => ({
      row,
      group: i === 0 ? g.label : '',
      groupLabel: g.label,
      cells: { ...row.cells, case: names[i]!, group: i === 0 ? g.label : '' },
      flags: row.flags,
      ...(row.message === undefined ? {} : { message: row.message }),
    }));
  });
  const loads = new Set(summary.rows.map((r) => r.cells.load));
  return {
    title: summary.title,
    answer: buildAnswer(result, summary),
    ...(loads.size === 1 && !grouping.dimension.includes('load') ? { load: [...loads][0]! } : {}),
    columns,
    rows,
    details: rows.filter((r) => r.cells.detail !== '').map((r) => ({ row: r, text: r.cells.detail })),
    groups: grouping.groups,
    notes: summary.notes,
  };
}
