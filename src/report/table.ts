/**
 * Terminal table reporter: a pure function of a Result. Layout only; the content (cells, flags,
 * notes) comes from ./model.ts so markdown and HTML show the same thing.
 */
import Table from 'cli-table3';
import type { Result } from '../result/types.js';
import { buildSummary, summaryColumns } from './model.js';
import type { Flag, SummaryNote } from './model.js';

export interface TableOptions {
  /** ANSI colors (bold header, red/yellow flags, dim notes). Default false: plain, deterministic text. */
  readonly color?: boolean;
  /** Width notes are wrapped to, in columns. Default 110. */
  readonly noteWidth?: number;
}

/**
 * Renders the summary of `result` as a terminal table with notes underneath: one row per case
 * (repetitions merged; rate-model latencies measured from the intended send time), a flags column
 * for every trust problem, then notes explaining each flag that appears, the closed-loop caveat,
 * the environment and how the run ended. Ends without a trailing newline.
 */
export function renderTable(result: Result, opts: TableOptions = {}): string {
  const paint = opts.color ? ansi : plain;
  const summary = buildSummary(result);
  const table = new Table({
    head: summaryColumns.map((c) => paint.bold(c.title)),
    colAligns: summaryColumns.map((c) => c.align),
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
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
  });
  const metricColumns = summaryColumns.length - 3;
  for (const row of summary.rows) {
    if (row.message !== undefined) {
      const message = { content: paint.red(row.message), colSpan: metricColumns, hAlign: 'left' as const };
      table.push([row.cells.case, row.cells.load, message, paintFlags(row.flags, paint)]);
    } else {
      table.push(
        summaryColumns.map((c) => (c.key === 'flags' ? paintFlags(row.flags, paint) : row.cells[c.key])),
      );
    }
  }
  const width = opts.noteWidth ?? 110;
  const lines = [
    paint.bold(summary.title),
    '',
    ...table
      .toString()
      .split('\n')
      .map((l) => l.trimEnd()),
    ...summary.notes.flatMap((n, i) => [
      ...(i === 0 || summary.notes[i - 1]?.group !== n.group ? [''] : []),
      ...wrap(n.text, width, '  ').map((l) => paintNote(n, l, paint)),
    ]),
  ];
  return lines.join('\n');
}

interface Paint {
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}

const plain: Paint = { bold: (s) => s, red: (s) => s, yellow: (s) => s, dim: (s) => s };
const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const ansi: Paint = { bold: sgr(1, 22), red: sgr(31, 39), yellow: sgr(33, 39), dim: sgr(2, 22) };

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

/** Greedy word wrap to `width` columns; continuation lines start with `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (candidate.length > width && line !== '' && line !== indent) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
