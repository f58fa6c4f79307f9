/**
 * The report formats by name, and the files each produces for one result: the CLI (`report`,
 * `run --format`) writes them, so every reporter stays a pure function. Markdown written to a
 * folder comes with SVG charts beside it (extras, not linked); .hgrm is one file per case.
 */
import { CommbenchError } from '../errors.js';
import type { Result } from '../result/types.js';
import { bytesChart, latencyPercentileChart, throughputChart } from './charts.js';
import { renderCsv } from './csv.js';
import { groupRows } from './groups.js';
import { renderHgrm } from './hgrm.js';
import { renderHtml } from './html.js';
import { renderJson } from '../result/json.js';
import { renderMarkdown } from './markdown.js';
import { buildSummary } from './model.js';
import { renderOpenMetrics } from './openmetrics.js';
import { renderTable } from './table.js';

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
      `unknown report format ${unknown.map((u) => JSON.stringify(u)).join(', ') || '""'}`,
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
  /** Terminal table only. */
  readonly color?: boolean;
  readonly width?: number;
}

/** The files of `format` for `result`. */
export function renderFormat(result: Result, format: ReportFormat, opts: RenderOptions = {}): ReportFile[] {
  switch (format) {
    case 'table':
      return [
        {
          suffix: '.txt',
          main: true,
          content: `${renderTable(result, { ...(opts.color ? { color: true } : {}), ...(opts.width === undefined ? {} : { width: opts.width }) })}\n`,
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
    case 'markdown': {
      // The markdown carries its charts as Mermaid blocks; written to a folder, SVG versions of
      // them come as extra files (not linked: a pasted report must not point at missing images).
      const md: ReportFile = { suffix: '.md', main: true, content: renderMarkdown(result) };
      if (opts.baseName === undefined) return [md];
      return [md, ...markdownCharts(result).map((c) => ({ suffix: c.suffix, main: false, content: c.svg }))];
    }
  }
}

/** The SVG charts written beside a markdown file: latency and throughput per group, bytes for all. */
export function markdownCharts(result: Result): { title: string; suffix: string; svg: string }[] {
  const grouping = groupRows(buildSummary(result));
  const charts: { title: string; suffix: string; svg: string }[] = [];
  const many = grouping.groups.length > 1;
  grouping.groups.forEach((g, i) => {
    const measured = g.rows.filter((r) => r.result?.summary);
    if (measured.length === 0) return;
    const series = measured.map((r) => ({
      label: r.cells.case,
      latency: r.result!.summary!.latency,
      timeline: r.result!.summary!.timeline,
    }));
    const name = many ? ` — ${g.label}` : '';
    const tag = many ? `-${i + 1}` : '';
    if (series.some((s) => s.latency.encoded !== ''))
      charts.push({
        title: `Latency by percentile${name}`,
        suffix: `.latency${tag}.svg`,
        svg: latencyPercentileChart(series, `Latency by percentile${name}`, { id: `l${i}` }),
      });
    charts.push({
      title: `Throughput over time${name}`,
      suffix: `.throughput${tag}.svg`,
      svg: throughputChart(series, `Throughput over time${name}`, { id: `t${i}` }),
    });
  });
  const bytes = result.cases.filter((c) => c.summary);
  if (bytes.length > 0) {
    const labels = buildSummary(result).rows;
    charts.push({
      title: 'Bytes per operation',
      suffix: '.bytes.svg',
      svg: bytesChart(
        labels
          .filter((r) => r.result?.summary)
          .map((r) => ({
            label: r.cells.case,
            payload: r.result!.summary!.payload.perOp,
            wire: r.result!.summary!.wire.perOp,
          })),
        'Payload and wire bytes per operation',
        { id: 'b' },
      ),
    });
  }
  return charts;
}
