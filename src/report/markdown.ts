/**
 * Markdown reporter: one GitHub table per result, warnings in the row, notes under it, method
 * notes folded in a <details>; made to be appended to $GITHUB_STEP_SUMMARY or posted as a PR
 * comment. Charts are Mermaid blocks (./mermaid.ts), which render where the text is pasted: the
 * markdown links no image files. Pure.
 */
import type { Result } from '../result/types.js';
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

/** Renders `result` as markdown (ends with a newline). */
export function renderMarkdown(result: Result, opts: MarkdownOptions = {}): string {
  const t = buildMarkupTable(result);
  const out: string[] = [`### ${mdCell(result.plan.name)}`, '', mdCell(t.title)];
  if (result.plan.description) out.push('', `_${mdCell(result.plan.description)}_`);
  out.push('');
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
  const cases = t.notes.filter((n) => n.group === 'cases');
  const method = t.notes.filter((n) => n.group === 'method');
  const provenance = t.notes.filter((n) => n.group === 'provenance');
  if (cases.length > 0) {
    out.push('');
    for (const n of cases) out.push(`- ${n.severity === 'info' ? '' : '⚠️ '}${mdCell(n.text)}`);
  }
  if (opts.charts !== false) {
    for (const c of [...mermaidCharts(t.groups), ...searchCharts(t.groups)])
      out.push('', '```mermaid', c.source, '```');
  }
  out.push('', '<details><summary>How to read this table</summary>', '');
  out.push(
    '- _p50 vs floor_: median latency relative to the group’s floor (tcp when it ran, else the first pattern).',
  );
  for (const n of method) out.push(`- ${mdCell(n.text)}`);
  out.push('', '</details>', '');
  for (const n of provenance)
    out.push(`${n.severity === 'error' ? '⚠️ ' : ''}<sub>${mdCell(n.text)}</sub>`, '');
  return `${out.join('\n').trimEnd()}\n`;
}
