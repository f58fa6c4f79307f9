/**
 * The report formats by name, and the files each produces for one result: the CLI (`report`,
 * `run --format`) writes them, so every reporter stays a pure function; .hgrm is one file per case.
 */
import { CommbenchError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import type { Result } from '../result/types.js';
import { renderCsv } from './csv.js';
import { renderHgrm } from './hgrm.js';
import { renderHtml } from './html.js';
import { renderJson } from '../result/json.js';
import { renderMarkdown } from './markdown.js';
import { renderOpenMetrics } from './openmetrics.js';
import { renderTable, type TableOptions } from './table.js';

export const reportFormats = ['table', 'markdown', 'html', 'csv', 'hgrm', 'json', 'openmetrics'] as const;
export type ReportFormat = (typeof reportFormats)[number];

const aliases: Readonly<Record<string, ReportFormat>> = {
  md: 'markdown',
  txt: 'table',
  htm: 'html',
  prometheus: 'openmetrics',
  prom: 'openmetrics',
};

/** 'markdown,html' → ['markdown', 'html']; E_USAGE naming the valid formats otherwise. */
export function parseFormats(text: string): ReportFormat[] {
  const out: ReportFormat[] = [];
  const unknown: string[] = [];
  for (const raw of text.split(',').map((s) => s.trim().toLowerCase())) {
    if (raw === '') continue;
    const f = (reportFormats as readonly string[]).includes(raw) ? (raw as ReportFormat) : aliases[raw];
    if (f === undefined) unknown.push(raw);
    else if (!out.includes(f)) out.push(f);
  }
  if (unknown.length > 0 || out.length === 0) {
    throw new CommbenchError(
      'E_USAGE',
      `unknown report format ${unknown.map((u) => JSON.stringify(u)).join(', ') || '""'}${unknown.length === 1 ? didYouMean(unknown[0]!, [...reportFormats, ...Object.keys(aliases)]) : ''}`,
      {
        hint: `use one or more of ${reportFormats.join(', ')} (comma-separated), e.g. --format markdown,html`,
      },
    );
  }
  return out;
}

/** One file of a report: `suffix` is appended to the base path ('.md', '.latency.svg', '.rest-64B.hgrm'). */
export interface ReportFile {
  readonly suffix: string;
  readonly content: string;
  /** The main file of its format (the one printed when there is no output path). */
  readonly main: boolean;
}

export interface RenderOptions {
  /** File name (no directory) the files will share as a prefix, for links between them, e.g. 'smoke-20250314'. */
  readonly baseName?: string;
  /** Terminal table only (./table.ts TableOptions). */
  readonly color?: boolean;
  readonly width?: number;
  readonly wide?: boolean;
  readonly columns?: TableOptions['columns'];
}

/** The files of `format` for `result`. */
export function renderFormat(result: Result, format: ReportFormat, opts: RenderOptions = {}): ReportFile[] {
  switch (format) {
    case 'table':
      return [
        {
          suffix: '.txt',
          main: true,
          content: `${renderTable(result, {
            ...(opts.color ? { color: true } : {}),
            ...(opts.width === undefined ? {} : { width: opts.width }),
            ...(opts.wide ? { wide: true } : {}),
            ...(opts.columns === undefined ? {} : { columns: opts.columns }),
          })}\n`,
        },
      ];
    case 'json':
      return [{ suffix: '.json', main: true, content: renderJson(result) }];
    case 'csv':
      return [{ suffix: '.csv', main: true, content: renderCsv(result) }];
    case 'openmetrics':
      return [{ suffix: '.prom', main: true, content: renderOpenMetrics(result) }];
    case 'html':
      return [{ suffix: '.html', main: true, content: renderHtml(result) }];
    case 'hgrm':
      return renderHgrm(result).map((f, i) => ({
        suffix: `.${f.slug}.hgrm`,
        main: i === 0,
        content: f.text,
      }));
    case 'markdown':
      // The markdown carries its charts as Mermaid blocks: one file, nothing beside it unlinked.
      return [{ suffix: '.md', main: true, content: renderMarkdown(result) }];
  }
}
