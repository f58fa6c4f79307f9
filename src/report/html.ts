/**
 * HTML reporter: one self-contained file (inline CSS and SVG, no script, no network): the summary
 * table shared with markdown; per group latency by percentile, latency over time (p50/p99 per
 * second), throughput over time and errors over time; CPU per operation by side and bytes per
 * operation; the notes and the environment. Every chart has one size and latency is on a log axis
 * everywhere. A window of one second has no time charts (one dot is not a series). Pure.
 */
import type { Result } from '../result/types.js';
import { formatBytes } from '../units.js';
import {
  bytesChart,
  cardSize,
  cpuChart,
  errorsOverTimeChart,
  hasTimeSeries,
  latencyOverTimeChart,
  latencyPercentileChart,
  seriesColor,
  throughputChart,
  windowTimeline,
} from './charts.js';
import { buildMarkupTable } from './markup.js';
import { shortNames, type Answer } from './answer.js';
import type { Flag } from './model.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const css = `
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;margin:24px auto;max-width:1360px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.sub{color:#555;margin:0 0 12px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:4px 6px;border-bottom:1px solid #e4e4e4;white-space:nowrap}th{background:#f6f8fa;text-align:left;position:sticky;top:0;white-space:normal;vertical-align:bottom}
.table-wrap{overflow-x:auto;max-width:100%}
td.r,th.r{text-align:right}tr.group th{background:none;position:static;border-top:2px solid #bbb;padding-top:8px}
tr.has-under td{border-bottom:none}tr.under td{white-space:normal;font-size:12px;padding-top:0;color:#555}.detail{color:#555}
#answer ul.answer{list-style:none;padding-left:8px;margin:4px 0}#answer li{margin:2px 0}#answer li.none{color:#777}
#answer .metric{display:inline-block;min-width:88px;color:#555}#answer .vs{font-weight:normal;color:#555}
.chart svg{max-width:100%;height:auto}
.flag-error{color:#b00020;font-weight:600}.flag-warn{color:#9a6700}.flag-info{color:#555}
.msg{color:#b00020}
ul.notes{padding-left:20px}ul.notes li{margin:3px 0}li.error{color:#b00020}li.warn{color:#7a5300}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{display:inline-block;border:1px solid #e4e4e4;border-radius:4px;padding:4px;background:#fff}
.chart svg{display:block}p.note{color:#555;font-style:italic;margin:6px 0}
dl.env{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dl.env dt{color:#555}dl.env dd{margin:0}
details{margin:8px 0}footer{color:#777;font-size:12px;margin-top:32px}
`;

/** The answer block (./answer.ts) as a section: the question, per group a heading and one line per metric. */
export function answerHtml(answer: Answer): string {
  const out = [
    '<section id="answer">',
    `<h2>${escapeHtml(answer.question ? `Answer: ${answer.question}` : 'Answer')}</h2>`,
  ];
  if (answer.empty !== undefined) out.push(`<p>${escapeHtml(answer.empty)}</p>`);
  for (const g of answer.groups) {
    out.push(
      `<h3>${escapeHtml(g.label === '' ? 'Every case' : g.label)} <span class="vs">vs ${escapeHtml(g.baseline)}</span></h3>`,
      '<ul class="answer">',
      ...g.lines.map((l) => {
        const text = escapeHtml(l.text);
        const best = l.best[0] === undefined ? '' : escapeHtml(l.best[0]);
        const shown =
          l.outcome === 'winner' && text.startsWith(best) ? `<b>${best}</b>${text.slice(best.length)}` : text;
        return `<li class="${l.outcome}"><span class="metric">${escapeHtml(l.metric)}</span> ${shown}</li>`;
      }),
      '</ul>',
    );
  }
  out.push('</section>');
  return out.join('\n');
}

function flagHtml(f: Flag): string {
  return `<span class="flag-${f.severity}">${escapeHtml(f.text)}</span>`;
}

/** Renders `result` as one HTML document (ends with a newline). */
export function renderHtml(result: Result): string {
  const t = buildMarkupTable(result);
  const head = t.columns
    .filter((c) => c.key !== 'flags' && c.key !== 'group')
    .map((c) => `<th${c.align === 'right' ? ' class="r"' : ''}>${escapeHtml(c.title)}</th>`)
    .join('');
  // The group is a heading row across the table and each row's warnings a line of their own under
  // its numbers, so the table stays narrow enough for an 800 px window and nothing is off-screen.
  const shown = t.columns.filter((c) => c.key !== 'flags' && c.key !== 'group');
  const body = t.rows
    .map((r) => {
      const heading =
        r.group === ''
          ? ''
          : `<tr class="group"><th colspan="${shown.length}">${escapeHtml(r.group)}</th></tr>\n`;
      const cells = shown.map((c) => {
        const content = r.message !== undefined && c.align === 'right' ? '-' : escapeHtml(r.cells[c.key]);
        return `<td${c.align === 'right' ? ' class="r"' : ''}>${content}</td>`;
      });
      const long = [
        ...r.flags.map(flagHtml),
        ...(r.message !== undefined ? [`<span class="msg">${escapeHtml(r.message)}</span>`] : []),
        ...(r.cells.detail !== '' ? [`<span class="detail">${escapeHtml(r.cells.detail)}</span>`] : []),
      ];
      const under =
        long.length === 0
          ? ''
          : `\n<tr class="under"><td></td><td colspan="${shown.length - 1}">${long.join(', ')}</td></tr>`;
      return `${heading}<tr${long.length > 0 ? ' class="has-under"' : ''}>${cells.join('')}</tr>${under}`;
    })
    .join('\n');

  const charts: string[] = [];
  const card = (svg: string): string => `<div class="chart">${svg}</div>`;
  t.groups.forEach((g, i) => {
    const measured = g.rows.filter((r) => r.result?.summary);
    if (measured.length === 0) return;
    const name = g.label === '' ? '' : ` — ${g.label}`;
    const names = shortNames(g.rows);
    const series = measured.map((r) => ({
      label: names[g.rows.indexOf(r)]!,
      latency: r.result!.summary!.latency,
      timeline: windowTimeline(
        r.result!.repetitions.length > 0 ? r.result!.repetitions : [r.result!.summary!],
      ),
    }));
    const size = cardSize;
    // Without one successful operation there is no latency to draw (an axis of 0.0µs would say otherwise).
    const timed = series.some((s) => s.latency.count > 0);
    const cards = timed
      ? [card(latencyPercentileChart(series, `Latency by percentile${name}`, { id: `g${i}l`, size }))]
      : [];
    let note = '';
    if (hasTimeSeries(series)) {
      if (timed)
        cards.push(card(latencyOverTimeChart(series, `Latency over time${name}`, { id: `g${i}lt`, size })));
      cards.push(card(throughputChart(series, `Throughput over time${name}`, { id: `g${i}t`, size })));
      const failing = series
        .map((s, k) => ({ ...s, color: seriesColor(k) }))
        .filter((s) => s.timeline.some((p) => p.errors > 0));
      if (failing.length > 0)
        cards.push(card(errorsOverTimeChart(failing, `Errors over time${name}`, { id: `g${i}e`, size })));
      else note = '<p class="note">No errors in any second of these cases.</p>';
    } else {
      note =
        '<p class="note">The measured window was a single second: no time series to draw ' +
        '(throughput and percentiles are in the table). Run for longer (--duration 10s) for latency, ' +
        'throughput and errors over time.</p>';
    }
    charts.push(
      `<h3>${escapeHtml(g.label === '' ? 'All cases' : g.label)}</h3>`,
      `<div class="charts">\n${cards.join('\n')}\n</div>`,
      ...(note === '' ? [] : [note]),
    );
  });
  // Per-operation costs of cases with no successful operation are undefined: left out, not drawn as 0.
  const summaries = t.rows.filter((r) => (r.row.result?.summary?.ops ?? 0) > 0);
  const bytes = summaries.map((r) => ({
    label: r.row.cells.case,
    payload: r.row.result!.summary!.payload.perOp,
    wire: r.row.result!.summary!.wire.perOp,
  }));
  const cpu = summaries.map((r) => {
    const m = r.row.result!.summary!;
    const helpers = m.server?.helpers ?? [];
    const helperUs = helpers.reduce((a, h) => a + h.cpuUsPerOp, 0);
    return {
      label: r.row.cells.case,
      driver: m.driver.cpuUsPerOp,
      ...(m.server ? { server: Math.max(0, m.server.cpuUsPerOp - helperUs) } : {}),
      helpers: helpers.map((h) => ({ role: h.role, cpuUsPerOp: h.cpuUsPerOp })),
    };
  });

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
    answerHtml(t.answer),
    '<h2>Summary</h2>',
    ...(t.load === undefined ? [] : [`<p class="sub">Every case: ${escapeHtml(t.load)}.</p>`]),
    `<div class="table-wrap"><table id="summary">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`,
    ...(t.notes.some((n) => n.group === 'cases')
      ? [
          `<details><summary>Warnings explained (${t.notes.filter((n) => n.group === 'cases').length})</summary>`,
          `<ul class="notes">\n${notes('cases')}\n</ul>`,
          '</details>',
        ]
      : []),
    '<details><summary>How to read this table</summary>',
    `<ul class="notes">\n${notes('method')}\n</ul>`,
    '</details>',
    '<h2>Latency, throughput and errors</h2>',
    ...charts,
    '<h2>CPU and bytes per operation</h2>',
    bytes.length > 0
      ? `<div class="charts">\n${card(cpuChart(cpu, 'CPU per operation by side', { id: 'cpu' }))}\n${card(bytesChart(bytes, 'Payload and wire bytes per operation', { id: 'bytes', size: { width: cardSize.width, height: Math.max(cardSize.height, 120 + bytes.length * 34) } }))}\n</div>`
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
