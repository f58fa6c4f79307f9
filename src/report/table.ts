/**
 * Terminal table reporter: a pure function of a Result. Layout only; the content (cells, flags,
 * notes) comes from ./model.ts so markdown and HTML show the same thing.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import stringWidth from 'string-width';
import type { Result } from '../result/types.js';
import { buildSummary, summaryColumns, visibleColumns } from './model.js';
import type { Flag, SummaryColumnKey, SummaryNote, SummaryRow, SummaryTable } from './model.js';

export interface TableOptions {
  /** ANSI colors (bold header, red/yellow flags, dim notes). Default false: plain, deterministic text. */
  readonly color?: boolean;
  /**
   * Terminal width, columns. When the full table is wider, the least essential columns are left out
   * (a note names them) and notes wrap narrower. Default: no limit (the full table, notes at 110).
   */
  readonly width?: number;
}

/** Left out first when the table must fit a width; case, ops/s, p99, errors and flags always stay. */
const dropOrder: readonly SummaryColumnKey[] = [
  'max',
  'p50',
  'detail',
  'wire',
  'driverCpu',
  'payload',
  'p999',
  'serverCpu',
  'load',
];

/**
 * Renders the summary of `result` as a terminal table with notes underneath: one row per case
 * (repetitions merged; rate-model latencies measured from the intended send time), a flags column
 * for every trust problem, then notes explaining each flag that appears, the closed-loop caveat,
 * the environment and how the run ended. Ends without a trailing newline.
 */
export function renderTable(result: Result, opts: TableOptions = {}): string {
  const paint = opts.color ? ansi : plain;
  const summary = buildSummary(result);
  const dropped: SummaryColumnKey[] = [];
  const columns = visibleColumns(summary.rows);
  let laid = layout(summary, columns, paint);
  for (const key of dropOrder.filter((k) => columns.some((c) => c.key === k))) {
    if (opts.width === undefined || widest(laid.lines) <= opts.width) break;
    dropped.push(key);
    laid = layout(
      summary,
      columns.filter((c) => !dropped.includes(c.key)),
      paint,
    );
  }
  const noteWidth = Math.max(40, Math.min(110, (opts.width ?? 111) - 1));
  const cutNotes: SummaryNote[] = laid.cut
    // A case's error already in the notes is not repeated (the row's copy may be shortened with '…').
    .filter((r) => {
      const message = (r.message ?? '').replace(/…$/, '');
      return !summary.notes.some((n) => n.topic === 'failed' && n.text.includes(message));
    })
    .map((r) => ({
      topic: 'failed',
      group: 'cases',
      severity: 'error',
      text: `failed: ${r.cells.case}: ${r.message ?? ''}`,
    }));
  const omitted: SummaryNote[] =
    dropped.length === 0
      ? []
      : [
          {
            topic: 'units',
            group: 'method',
            severity: 'info',
            text:
              `Columns left out to fit ${opts.width} columns: ` +
              `${summaryColumns
                .filter((c) => dropped.includes(c.key))
                .map((c) => c.title)
                .join(', ')} ` +
              '(widen the terminal to see them; the result file has every number).',
          },
        ];
  const notes = [
    ...cutNotes,
    ...summary.notes.filter((n) => n.group !== 'provenance'),
    ...omitted,
    ...summary.notes.filter((n) => n.group === 'provenance'),
  ];
  const lines = [
    paint.bold(summary.title),
    '',
    ...laid.lines,
    ...notes.flatMap((n, i) => [
      ...(i === 0 || notes[i - 1]?.group !== n.group ? [''] : []),
      ...wrap(n.text, noteWidth, '  ').map((l) => paintNote(n, l, paint)),
    ]),
  ];
  return lines.join('\n');
}

type Column = (typeof summaryColumns)[number];

/** cli-table3 options for commbench's tables: no frame, a rule under the header, two spaces between columns. */
export const borderless = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '─',
    'mid-mid': '──',
    right: '',
    'right-mid': '',
    middle: '  ',
  },
  style: {
    'padding-left': 0,
    'padding-right': 0,
    head: [] as string[],
    border: [] as string[],
    compact: true,
  },
};

interface Layout {
  readonly lines: string[];
  /** Rows whose message had to be cut to fit the metric columns. */
  readonly cut: readonly SummaryRow[];
}

function layout(summary: SummaryTable, columns: readonly Column[], paint: Paint): Layout {
  const table = new Table({
    head: columns.map((c) => paint.bold(c.title)),
    colAligns: columns.map((c) => c.align),
    ...borderless,
  });
  const lead = columns.filter((c) => c.key === 'case' || c.key === 'load').length;
  const metrics = columns.slice(lead, -1);
  const measured = summary.rows.filter((r) => r.message === undefined);
  const spanWidth = metrics.reduce(
    (sum, c) => sum + 2 + Math.max(stringWidth(c.title), ...measured.map((r) => stringWidth(r.cells[c.key]))),
    -2,
  );
  const cut: SummaryRow[] = [];
  for (const row of summary.rows) {
    const flags = paintFlags(row.flags, paint);
    if (row.message !== undefined) {
      const text = truncate(row.message, Math.max(30, spanWidth));
      if (text !== row.message) cut.push(row);
      const message = { content: paint.red(text), colSpan: metrics.length, hAlign: 'left' as const };
      table.push([...columns.slice(0, lead).map((c) => row.cells[c.key]), message, flags]);
    } else {
      table.push(columns.map((c) => (c.key === 'flags' ? flags : row.cells[c.key])));
    }
  }
  const lines = table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd());
  return { lines, cut };
}

/** `text` cut to `max` terminal columns (wide characters count two), ending in '…' when cut. */
export function truncate(text: string, max: number): string {
  if (stringWidth(text) <= max) return text;
  let out = '';
  let width = 0;
  for (const ch of text) {
    const w = stringWidth(ch);
    if (width + w > max - 1) break;
    out += ch;
    width += w;
  }
  return `${out}…`;
}

/** Display width of the widest line, in terminal columns (escape codes count zero, as in cli-table3). */
function widest(lines: readonly string[]): number {
  return Math.max(0, ...lines.map((l) => stringWidth(l)));
}

interface Paint {
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}

// Whether to colour is the caller's decision (src/cli/style.ts useColor), so picocolors' own
// environment detection is bypassed with createColors.
const plain: Paint = pc.createColors(false);
const ansi: Paint = pc.createColors(true);

function paintFlags(flags: readonly Flag[], paint: Paint): string {
  return flags
    .map((f) =>
      f.severity === 'error'
        ? paint.bold(paint.red(f.text))
        : f.severity === 'warn'
          ? paint.yellow(f.text)
          : f.text,
    )
    .join(', ');
}

function paintNote(note: SummaryNote, line: string, paint: Paint): string {
  if (note.severity === 'error') return paint.red(line);
  if (note.severity === 'warn') return paint.yellow(line);
  return paint.dim(line);
}

/**
 * Greedy word wrap to `width` terminal columns (display width: wide characters two, escape codes
 * zero); continuation lines start with `indent`. Kept by hand: wrap-ansi has no hanging indent.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (stringWidth(candidate) > width && line !== '' && line !== indent) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
