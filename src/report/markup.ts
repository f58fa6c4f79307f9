/**
 * The table that markdown and HTML share (STYLE §5: one builder, two layouts): the summary model's
 * rows in groups, with the group, a relative-to-floor column and warnings in the row. Pure data;
 * ./markdown.ts and ./html.ts only lay it out.
 */
import type { Result } from '../result/types.js';
import { buildSummary, visibleColumns } from './model.js';
import type { Flag, SummaryColumnKey, SummaryNote, SummaryRow } from './model.js';
import { groupRows, relativeToFloor, type RowGroup } from './groups.js';

export type MarkupColumnKey = SummaryColumnKey | 'group' | 'relative';

export interface MarkupColumn {
  readonly key: MarkupColumnKey;
  readonly title: string;
  readonly align: 'left' | 'right';
}

export interface MarkupRow {
  readonly row: SummaryRow;
  /** The group label on the first row of each group, '' on the others. */
  readonly group: string;
  readonly cells: Readonly<Record<MarkupColumnKey, string>>;
  readonly flags: readonly Flag[];
  /** Why a case has no measurements (shown in the flags cell). */
  readonly message?: string;
}

export interface MarkupTable {
  readonly title: string;
  readonly columns: readonly MarkupColumn[];
  readonly rows: readonly MarkupRow[];
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

/**
 * Builds the markup table: a group column when payload or load varies (named after it), the load
 * column only when load is not already the group, 'p50 vs floor' after the latencies.
 */
export function buildMarkupTable(result: Result): MarkupTable {
  const summary = buildSummary(result);
  const grouping = groupRows(summary);
  const loadIsGroup = grouping.dimension.includes('load');
  const columns: MarkupColumn[] = [];
  if (grouping.dimension !== '') columns.push({ key: 'group', title: grouping.dimension, align: 'left' });
  for (const c of visibleColumns(summary.rows)) {
    if (c.key === 'load' && loadIsGroup) continue;
    columns.push({ key: c.key, title: titles[c.key] ?? c.title, align: c.align });
    if (c.key === 'max') columns.push({ key: 'relative', title: 'p50 vs floor', align: 'right' });
  }
  const rows: MarkupRow[] = grouping.groups.flatMap((g) =>
    g.rows.map((row, i) => ({
      row,
      group: i === 0 ? g.label : '',
      cells: { ...row.cells, group: i === 0 ? g.label : '', relative: relativeToFloor(row, g) },
      flags: row.flags,
      ...(row.message === undefined ? {} : { message: row.message }),
    })),
  );
  return { title: summary.title, columns, rows, groups: grouping.groups, notes: summary.notes };
}
