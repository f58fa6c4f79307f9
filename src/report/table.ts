/**
 * Terminal table reporter: a pure function of a Result. Layout only; the content (cells, flags,
 * notes) comes from ./model.ts so markdown and HTML show the same thing.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import stringWidth from 'string-width';
import { CommbenchError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import type { CaseResult, Result } from '../result/types.js';
import { buildAnswer, sharedLabel, shortNames, type Answer } from './answer.js';
import { groupRows } from './groups.js';
import { buildSummary, reasonOf, summaryColumns, visibleColumns } from './model.js';
import type { Flag, SummaryColumnKey, SummaryNote, SummaryRow, SummaryTable } from './model.js';

export interface TableOptions {
  /** ANSI colors (bold header, red/yellow flags, dim notes). Default false: plain, deterministic text. */
  readonly color?: boolean;
  /**
   * Width to fit, terminal columns: a terminal's width, or COLUMNS, or 160 in a pipe (the CLI
   * decides). Long text (flags, detail, a search's verdict, why a case failed) goes on an indented
   * line under its row; when the numbers alone are wider, the least essential columns are left out
   * (a note names them). Default: no limit.
   */
  readonly width?: number;
  /** Everything on one line per case, every column, no width limit (`--wide`). */
  readonly wide?: boolean;
  /** These columns, in this order, after the case (`--columns p50,p99,payload`). */
  readonly columns?: readonly SummaryColumnKey[];
}

/** Left out first when the numbers must fit a width; case, p50, p99, payload and the CPU columns stay longest. */
const dropOrder: readonly SummaryColumnKey[] = [
  'max',
  'p999',
  'wire',
  'load',
  'errors',
  'opsPerSec',
  'driverCpu',
  'serverCpu',
  'payload',
];

/** The names `--columns` accepts for each column (its title, its key, a few spellings). */
const columnNames: Readonly<Record<string, SummaryColumnKey>> = Object.fromEntries([
  ...summaryColumns.flatMap((c) => [
    [c.key.toLowerCase(), c.key],
    [c.title.toLowerCase().replace(/[\s/]+/g, '-'), c.key],
  ]),
  ['throughput', 'opsPerSec'],
  ['ops', 'opsPerSec'],
  ['p99.9', 'p999'],
  ['server-cpu', 'serverCpu'],
  ['driver-cpu', 'driverCpu'],
  ['srv', 'serverCpu'],
  ['drv', 'driverCpu'],
]);

/** 'p50,p99,payload,srv-cpu' → column keys; E_USAGE naming the columns (and the closest) otherwise. */
export function parseColumns(text: string): SummaryColumnKey[] {
  const out: SummaryColumnKey[] = [];
  for (const raw of text.split(',').map((s) =>
    s
      .trim()
      .toLowerCase()
      .replace(/[\s/]+/g, '-'),
  )) {
    if (raw === '') continue;
    const key = columnNames[raw];
    if (key === undefined) {
      throw new CommbenchError(
        'E_USAGE',
        `unknown column ${JSON.stringify(raw)}${didYouMean(raw, Object.keys(columnNames))}`,
        {
          hint: `columns: ${summaryColumns.map((c) => c.title.toLowerCase().replace(/[\s]+/g, '-')).join(', ')}, e.g. --columns p50,p99,payload,srv-cpu`,
        },
      );
    }
    if (key !== 'case' && !out.includes(key)) out.push(key);
  }
  return out;
}

/**
 * Renders the summary of `result` for a terminal: the title, the answer (./answer.ts), then the
 * table with notes underneath. Rows come in groups of what they share (payload, load) under a
 * heading line, each named by what tells it apart ('grpc client=frames'); flags, detail and the
 * reason a case failed go on an indented line under their row. `wide` gives the one-line-per-case
 * layout with every column instead. Ends without a trailing newline.
 */
export function renderTable(result: Result, opts: TableOptions = {}): string {
  const paint = opts.color ? ansi : plain;
  const summary = buildSummary(result);
  const answer = buildAnswer(result, summary);
  const width = opts.wide ? undefined : opts.width;
  const noteWidth = Math.max(40, Math.min(110, (width ?? 111) - 1));
  const dropped: SummaryColumnKey[] = [];
  let lines: string[];
  if (opts.wide) {
    lines = wideLayout(summary, visibleColumns(summary.rows), paint);
  } else {
    const chosen =
      opts.columns ??
      visibleColumns(summary.rows)
        .map((c) => c.key)
        // The load is each group's heading (or the one heading when every case shares it).
        .filter((k) => k !== 'detail' && k !== 'flags' && k !== 'case' && k !== 'load');
    let keys = chosen;
    lines = groupedLayout(summary, keys, paint, width);
    for (const key of dropOrder.filter((k) => chosen.includes(k))) {
      if (width === undefined || opts.columns !== undefined || widest(lines) <= width) break;
      dropped.push(key);
      keys = chosen.filter((k) => !dropped.includes(k));
      lines = groupedLayout(summary, keys, paint, width);
    }
  }
  const omitted: SummaryNote[] =
    dropped.length === 0
      ? []
      : [
          {
            topic: 'units',
            group: 'method',
            severity: 'info',
            text:
              `Columns left out to fit ${width} columns: ` +
              `${summaryColumns
                .filter((c) => dropped.includes(c.key))
                .map((c) => c.title)
                .join(', ')} ` +
              '(--wide or --columns shows them; the result file has every number).',
          },
        ];
  // A failed case's reason is given in full under its row: its note would say it again.
  const shown = opts.wide
    ? []
    : summary.rows.flatMap((r) => (r.message !== undefined && r.result ? [reasonOf(r.result)] : []));
  const notes = [
    ...summary.notes.filter(
      (n) => n.group !== 'provenance' && !(n.topic === 'failed' && shown.some((m) => n.text.endsWith(m))),
    ),
    ...omitted,
    ...summary.notes.filter((n) => n.group === 'provenance'),
  ];
  return [
    paint.bold(summary.title),
    '',
    ...answerBlock(answer, noteWidth + 1, paint),
    '',
    ...lines,
    ...notes.flatMap((n, i) => [
      ...(i === 0 || notes[i - 1]?.group !== n.group ? [''] : []),
      ...wrap(n.text, noteWidth, '  ').map((l) => paintNote(n, l, paint)),
    ]),
  ].join('\n');
}

/** The answer as terminal lines: a heading, per group a line naming it and its baseline, one line per metric. */
export function answerBlock(answer: Answer, width: number, paint: Paint = plain): string[] {
  const lines = hang('', '  ', answer.question ? `Answer: ${answer.question}` : 'Answer', width).map((l) =>
    paint.bold(l),
  );
  if (answer.empty !== undefined) lines.push(...wrap(answer.empty, width, '  '));
  const pad = Math.max(0, ...answer.groups.flatMap((g) => g.lines.map((l) => stringWidth(l.metric))));
  for (const g of answer.groups) {
    lines.push(...hang('', '  ', `${g.label === '' ? 'every case' : g.label}, vs ${g.baseline}:`, width));
    for (const l of g.lines) {
      const head = `  ${l.metric.padEnd(pad)}  `;
      const text = hang(head, ' '.repeat(head.length), l.text, width);
      lines.push(...(l.outcome === 'none' ? text.map((t) => paint.dim(t)) : text));
    }
  }
  return lines;
}

/** The table in groups (heading line, then rows named within the group), long text under each row. */
function groupedLayout(
  summary: SummaryTable,
  keys: readonly SummaryColumnKey[],
  paint: Paint,
  width: number | undefined,
): string[] {
  const grouping = groupRows(summary);
  const loadIsGroup = grouping.dimension.includes('load');
  const onlyGroup = grouping.groups.length === 1;
  const shown = keys.filter((k) => k !== 'load' || !loadIsGroup);
  const columns = shown.map((k) => summaryColumns.find((c) => c.key === k)!);
  const table = new Table({
    head: [paint.bold('case'), ...columns.map((c) => paint.bold(c.title))],
    colAligns: ['left', ...columns.map((c) => c.align)],
    ...borderless,
  });
  const indent = onlyGroup ? '' : '  ';
  interface Entry {
    readonly heading?: string;
    readonly row?: SummaryRow;
  }
  const entries: Entry[] = [];
  for (const g of grouping.groups) {
    const names = shortNames(g.rows);
    const constantLoad = !loadIsGroup && !shown.includes('load') ? g.rows[0]?.cells.load : undefined;
    const heading =
      g.label === '' && constantLoad !== undefined && g.rows[0] !== undefined
        ? sharedLabel(g.rows[0])
        : [g.label, constantLoad].filter((s) => s !== undefined && s !== '').join(' · ');
    if (!onlyGroup || heading !== '') entries.push({ heading: heading === '' ? 'every case' : heading });
    g.rows.forEach((row, i) => {
      entries.push({ row });
      table.push([
        `${onlyGroup ? '' : indent}${names[i]!}`,
        ...columns.map((c) => (row.message !== undefined && c.key !== 'load' ? '-' : row.cells[c.key])),
      ]);
    });
  }
  const [header = '', rule = '', ...body] = table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd());
  const lines = [header, rule];
  const under = `${indent}    `;
  const fit = width ?? Infinity;
  let k = 0;
  for (const e of entries) {
    if (e.heading !== undefined) {
      lines.push(paint.bold(truncate(e.heading, fit)));
      continue;
    }
    lines.push(body[k++] ?? '');
    const row = e.row!;
    const long = [
      ...(row.flags.length > 0 ? [paintFlags(row.flags, paint)] : []),
      ...(row.message !== undefined
        ? [paint.red(row.result ? unflaggedReason(row.result, row.flags) : row.message)]
        : []),
      ...(keys.includes('detail') || row.cells.detail === '' ? [] : [row.cells.detail]),
    ];
    if (long.length > 0) lines.push(...hang(under, `${under}  `, long.join('; '), Math.max(40, fit)));
  }
  return lines;
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

function wideLayout(summary: SummaryTable, columns: readonly Column[], paint: Paint): string[] {
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
  for (const row of summary.rows) {
    const flags = paintFlags(row.flags, paint);
    if (row.message !== undefined) {
      const text = truncate(row.message, Math.max(30, spanWidth));
      const message = { content: paint.red(text), colSpan: metrics.length, hAlign: 'left' as const };
      table.push([...columns.slice(0, lead).map((c) => row.cells[c.key]), message, flags]);
    } else {
      table.push(columns.map((c) => (c.key === 'flags' ? flags : row.cells[c.key])));
    }
  }
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd());
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

/** `text` wrapped to `width` columns, the first line after `first`, the others after `next`. */
export function hang(first: string, next: string, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (!empty && stringWidth(`${line} ${word}`) > width) {
      lines.push(line);
      line = `${next}${word}`;
    } else line = empty ? `${line}${word}` : `${line} ${word}`;
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines;
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

/** Why the row has no measurements, without the status its flags already say ('interrupted; interrupted, …'). */
function unflaggedReason(c: CaseResult, flags: readonly Flag[]): string {
  return !c.error && flags.some((f) => f.code === c.status) ? 'no measurements' : reasonOf(c);
}
