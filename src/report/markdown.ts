/**
 * Markdown reporter: one GitHub table per result, warnings in the row, notes under it, method
 * notes folded in a <details>; made to be appended to $GITHUB_STEP_SUMMARY or posted as a PR
 * comment. Charts are Mermaid blocks (./mermaid.ts), which render where the text is pasted: the
 * markdown links no image files. Pure.
 */
import type { Result } from '../result/types.js';
import type { Answer } from './answer.js';
import type { Flag } from './model.js';
import { buildMarkupTable } from './markup.js';
import { mermaidCharts, searchCharts } from './mermaid.js';

export interface MarkdownOptions {
  /** Leave out the Mermaid charts (default: included). */
  readonly charts?: boolean;
}

/** Escapes text for a GitHub table cell. */
export function mdCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ')
    .replace(/([*_`<>])/g, '\\$1');
}

function flagText(f: Flag): string {
  if (f.severity === 'error') return `⚠️ **${mdCell(f.text)}**`;
  if (f.severity === 'warn') return `⚠️ ${mdCell(f.text)}`;
  return mdCell(f.text);
}

/** Charts shown open; the next few are folded under a <details> (a PR comment stays under 10 KB). */
export const openCharts = 3;
export const foldedCharts = 4;

/** The answer block as markdown lines: the question in bold, per group a line and a bullet per metric. */
export function answerMarkdown(answer: Answer): string[] {
  const out = [`**${mdCell(answer.question ? `Answer: ${answer.question}` : 'Answer')}**`, ''];
  if (answer.empty !== undefined) out.push(mdCell(answer.empty), '');
  for (const g of answer.groups) {
    out.push(`${g.label === '' ? 'Every case' : `_${mdCell(g.label)}_`}, vs ${mdCell(g.baseline)}:`, '');
    for (const l of g.lines) {
      const text = mdCell(l.text);
      out.push(`- ${mdCell(l.metric)}: ${l.outcome === 'winner' ? boldFirst(text, l.best[0]!) : text}`);
    }
    out.push('');
  }
  return out;
}

/** `text` with its leading `name` in bold (the winner). */
function boldFirst(text: string, name: string): string {
  const escaped = mdCell(name);
  return text.startsWith(escaped) ? `**${escaped}**${text.slice(escaped.length)}` : text;
}

/** Renders `result` as markdown (ends with a newline). */
export function renderMarkdown(result: Result, opts: MarkdownOptions = {}): string {
  const t = buildMarkupTable(result);
  const out: string[] = [`### ${mdCell(result.plan.name)}`, '', mdCell(t.title), ''];
  out.push(...answerMarkdown(t.answer));
  if (result.plan.description) out.push(`_${mdCell(result.plan.description)}_`, '');
  if (t.load !== undefined) out.push(`Every case: ${mdCell(t.load)}.`, '');
  out.push(`| ${t.columns.map((c) => c.title).join(' | ')} |`);
  out.push(`|${t.columns.map((c) => (c.align === 'right' ? '---:' : ':---')).join('|')}|`);
  for (const r of t.rows) {
    const cells = t.columns.map((c) => {
      if (c.key === 'group') return r.group === '' ? '' : `**${mdCell(r.group)}**`;
      if (c.key === 'flags') {
        const parts = r.flags.map(flagText);
        if (r.message !== undefined) parts.push(mdCell(r.message));
        return parts.join(', ');
      }
      return mdCell(r.cells[c.key]);
    });
    out.push(`| ${cells.join(' | ')} |`);
  }
  if (t.details.length > 0) {
    out.push('');
    for (const d of t.details)
      out.push(
        `- ${mdCell(d.row.cells.case)}${d.row.groupLabel === '' ? '' : ` (${mdCell(d.row.groupLabel)})`}: ${mdCell(d.text)}`,
      );
  }
  const cases = t.notes.filter((n) => n.group === 'cases');
  const method = t.notes.filter((n) => n.group === 'method');
  const provenance = t.notes.filter((n) => n.group === 'provenance');
  if (cases.length > 0) {
    // One explanation per kind of warning: a PR comment stays short, the other reports give each row's.
    const topics = [...new Set(cases.map((n) => n.topic))];
    out.push('', `<details><summary>Warnings explained (${topics.length})</summary>`, '');
    for (const topic of topics) {
      const same = cases.filter((n) => n.topic === topic);
      const n = same[0]!;
      const more =
        same.length > 1
          ? ` _(and ${same.length - 1} more like it: the terminal and HTML reports give each)_`
          : '';
      out.push(`- ${n.severity === 'info' ? '' : '⚠️ '}${mdCell(n.text)}${more}`);
    }
    out.push('', '</details>');
  }
  if (opts.charts !== false) {
    const charts = [...mermaidCharts(t.groups), ...searchCharts(t.groups)];
    for (const c of charts.slice(0, openCharts)) out.push('', '```mermaid', c.source, '```');
    const folded = charts.slice(openCharts, openCharts + foldedCharts);
    if (folded.length > 0) {
      const rest = charts.length - openCharts;
      const summary =
        folded.length < rest ? `${folded.length} of ${rest}; the HTML report has every one` : `${rest}`;
      out.push('', `<details><summary>More charts (${summary})</summary>`);
      for (const c of folded) out.push('', '```mermaid', c.source, '```');
      out.push('', '</details>');
    }
  }
  out.push('', '<details><summary>How to read this table</summary>', '');
  for (const n of method) out.push(`- ${mdCell(n.text)}`);
  out.push('', '</details>', '');
  for (const n of provenance)
    out.push(`${n.severity === 'error' ? '⚠️ ' : ''}<sub>${mdCell(n.text)}</sub>`, '');
  return `${out.join('\n').trimEnd()}\n`;
}
