/**
 * HTML reporter: one self-contained file (inline CSS and SVG, no script, no network): the summary
 * table shared with markdown, per group a latency-by-percentile plot and throughput over time,
 * bytes per operation, the notes and the environment. Pure.
 */
import type { Result } from '../result/types.js';
import { formatBytes } from '../units.js';
import { bytesChart, latencyPercentileChart, throughputChart } from './charts.js';
import { buildMarkupTable } from './markup.js';
import type { Flag } from './model.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const css = `
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;margin:24px auto;max-width:1280px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.sub{color:#555;margin:0 0 12px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #e4e4e4;white-space:nowrap}th{background:#f6f8fa;text-align:left;position:sticky;top:0}
td.r,th.r{text-align:right}tr.first td{border-top:2px solid #bbb}td.group{font-weight:600}
.flag-error{color:#b00020;font-weight:600}.flag-warn{color:#9a6700}.flag-info{color:#555}
.msg{color:#b00020}.floor{color:#777}
ul.notes{padding-left:20px}ul.notes li{margin:3px 0}li.error{color:#b00020}li.warn{color:#7a5300}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{display:inline-block;border:1px solid #e4e4e4;border-radius:4px;padding:4px;background:#fff}
dl.env{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dl.env dt{color:#555}dl.env dd{margin:0}
details{margin:8px 0}footer{color:#777;font-size:12px;margin-top:32px}
`;

function flagHtml(f: Flag): string {
  return `<span class="flag-${f.severity}">${escapeHtml(f.text)}</span>`;
}

/** Renders `result` as one HTML document (ends with a newline). */
export function renderHtml(result: Result): string {
  const t = buildMarkupTable(result);
  const head = t.columns
    .map((c) => `<th${c.align === 'right' ? ' class="r"' : ''}>${escapeHtml(c.title)}</th>`)
    .join('');
  const body = t.rows
    .map((r) => {
      const cells = t.columns.map((c) => {
        const cls = c.key === 'group' ? 'group' : c.align === 'right' ? 'r' : '';
        let content: string;
        if (c.key === 'flags') {
          const parts = r.flags.map(flagHtml);
          if (r.message !== undefined) parts.push(`<span class="msg">${escapeHtml(r.message)}</span>`);
          content = parts.join(', ');
        } else if (c.key === 'relative' && r.cells.relative === 'floor') {
          content = '<span class="floor">floor</span>';
        } else content = escapeHtml(r.cells[c.key]);
        return `<td${cls ? ` class="${cls}"` : ''}>${content}</td>`;
      });
      return `<tr${r.group !== '' ? ' class="first"' : ''}>${cells.join('')}</tr>`;
    })
    .join('\n');

  const charts: string[] = [];
  t.groups.forEach((g, i) => {
    const measured = g.rows.filter((r) => r.result?.summary);
    if (measured.length === 0) return;
    const name = g.label === '' ? '' : ` — ${g.label}`;
    const series = measured.map((r) => ({
      label: r.cells.case,
      latency: r.result!.summary!.latency,
      timeline: r.result!.summary!.timeline,
    }));
    charts.push(
      `<h3>${escapeHtml(g.label === '' ? 'All cases' : g.label)}</h3>`,
      '<div class="charts">',
      `<div class="chart">${latencyPercentileChart(series, `Latency by percentile${name}`, { id: `g${i}l`, size: { width: 620, height: 340 } })}</div>`,
      `<div class="chart">${throughputChart(series, `Throughput over time${name}`, { id: `g${i}t`, size: { width: 620, height: 340 } })}</div>`,
      '</div>',
    );
  });
  const bytes = t.rows
    .filter((r) => r.row.result?.summary)
    .map((r) => ({
      label: r.cells.case,
      payload: r.row.result!.summary!.payload.perOp,
      wire: r.row.result!.summary!.wire.perOp,
    }));

  const notes = (group: string): string =>
    t.notes
      .filter((n) => n.group === group)
      .map((n) => `<li class="${n.severity}">${escapeHtml(n.text)}</li>`)
      .join('\n');
  const env = result.environment;
  const envRows: [string, string][] = [
    ['node', env.node],
    ['OS', `${env.os} (${env.platform} ${env.arch})`],
    ['CPU', `${env.cpuModel} × ${env.cores} cores`],
    ['memory', formatBytes(env.totalMemoryBytes)],
    ['commbench', result.tool.version],
    ...(env.gitSha ? ([['git', env.gitSha]] as [string, string][]) : []),
    ['scenario', `${result.plan.name} (${result.plan.source})`],
    ['started', result.startedAt],
    ['finished', result.finishedAt],
    ['end', result.endReason + (result.endMessage ? `: ${result.endMessage}` : '')],
  ];
  const merged = (result.mergedFrom ?? []).map(
    (s) =>
      `<li>${escapeHtml(s.file)}: node ${escapeHtml(s.environment.node)}, ${escapeHtml(s.environment.cpuModel)} × ${s.environment.cores}, ${escapeHtml(s.environment.os)}${s.environment.gitSha ? `, git ${escapeHtml(s.environment.gitSha.slice(0, 7))}` : ''}; ${escapeHtml(s.startedAt)}</li>`,
  );

  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>commbench — ${escapeHtml(result.plan.name)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    `<h1>commbench — ${escapeHtml(result.plan.name)}</h1>`,
    `<p class="sub">${escapeHtml(t.title)}${result.plan.description ? ` · ${escapeHtml(result.plan.description)}` : ''}</p>`,
    '<h2>Summary</h2>',
    `<table id="summary">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`,
    `<ul class="notes">\n${notes('cases')}\n</ul>`,
    '<details><summary>How to read this table</summary>',
    `<ul class="notes">\n<li>p50 vs floor: median latency relative to the group’s floor (tcp when it ran, else the first pattern).</li>\n${notes('method')}\n</ul>`,
    '</details>',
    '<h2>Latency and throughput</h2>',
    ...charts,
    '<h2>Bytes per operation</h2>',
    bytes.length > 0
      ? `<div class="chart">${bytesChart(bytes, 'Payload and wire bytes per operation', { id: 'bytes' })}</div>`
      : '<p>No measurements.</p>',
    '<h2>Environment</h2>',
    `<dl class="env">\n${envRows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}\n</dl>`,
    ...(merged.length > 0 ? ['<h3>Merged from</h3>', `<ul>\n${merged.join('\n')}\n</ul>`] : []),
    // The environment is listed above; what remains of the provenance notes is how the run ended.
    `<ul class="notes">\n${t.notes
      .filter((n) => n.group === 'provenance' && n.topic !== 'environment')
      .map((n) => `<li class="${n.severity}">${escapeHtml(n.text)}</li>`)
      .join('\n')}\n</ul>`,
    `<footer>Generated by commbench ${escapeHtml(result.tool.version)} from a result file; self-contained (no scripts, no network).</footer>`,
    '</body>',
    '</html>',
  ];
  return `${html.join('\n')}\n`;
}
