/**
 * Grouping of summary rows for the markup reporters (markdown, HTML): rows that differ only in the
 * pattern form a group (same payload and load), so a reader compares patterns within a group; the
 * group's floor (the tcp case when there is one, else the scenario's first pattern) is the answer's
 * baseline unless the scenario names one (./answer.ts).
 */
import type { SummaryRow, SummaryTable } from './model.js';
import { formatLoad } from './model.js';
import { formatSize } from '../units.js';

export interface RowGroup {
  /** What the rows share, e.g. '64B' or '16KiB · closed c=32×1' (only the dimensions that vary). */
  readonly label: string;
  readonly rows: readonly SummaryRow[];
  /** The row others are relative to (absent when it has no measurements or is alone). */
  readonly floor?: SummaryRow;
}

export interface Grouping {
  /** The varying dimensions the groups are split by, e.g. 'payload' or 'payload · load'; '' for one group. */
  readonly dimension: string;
  readonly groups: readonly RowGroup[];
}

/** The preferred floor pattern: what any protocol adds is measured against raw TCP. */
export const floorPattern = 'tcp';

/** Groups `summary.rows` by payload and load, in order of first appearance. */
export function groupRows(summary: SummaryTable): Grouping {
  const rows = summary.rows;
  const payloadOf = (r: SummaryRow): string =>
    `${formatSize(r.spec.payload.size)}${rows.some((o) => o.spec.payload.shape !== r.spec.payload.shape) ? ` ${r.spec.payload.shape}` : ''}`;
  const loadOf = (r: SummaryRow): string => formatLoad(r.spec);
  const variesPayload = new Set(rows.map(payloadOf)).size > 1;
  const variesLoad = new Set(rows.map(loadOf)).size > 1;
  const keyOf = (r: SummaryRow): string =>
    [variesPayload ? payloadOf(r) : '', variesLoad ? loadOf(r) : ''].filter((s) => s !== '').join(' · ');
  const byKey = new Map<string, SummaryRow[]>();
  for (const r of rows) byKey.set(keyOf(r), [...(byKey.get(keyOf(r)) ?? []), r]);
  const firstPattern = rows[0]?.spec.pattern;
  const groups = [...byKey.entries()].map(([label, members]): RowGroup => {
    const measured = members.filter((r) => r.result?.summary);
    const floor =
      measured.find((r) => r.spec.pattern === floorPattern) ??
      measured.find((r) => r.spec.pattern === firstPattern);
    return { label, rows: members, ...(floor && members.length > 1 ? { floor } : {}) };
  });
  const dimension = [variesPayload ? 'payload' : '', variesLoad ? 'load' : '']
    .filter((s) => s !== '')
    .join(' · ');
  return { dimension, groups };
}
