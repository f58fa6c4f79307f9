/**
 * Charts as Mermaid `xychart-beta` blocks: text that GitHub renders wherever markdown is pasted
 * (job summaries, PR comments, READMEs), so the markdown report needs no image files. Pure.
 * Mermaid's xychart has no legend and no log axis, so each chart carries one or two series whose
 * meaning the title says ("p99 bar, p50 bar inside it"), on a linear axis from 0. Bars, not lines:
 * a group with one case still draws something (a line through one point draws nothing).
 */
import type { SearchResult } from '../result/types.js';
import { shortNames } from './answer.js';
import type { RowGroup } from './groups.js';

/** One Mermaid chart: the text between ```mermaid and ```. */
export interface MermaidChart {
  readonly title: string;
  readonly source: string;
}

/** Quotes text for a Mermaid title or category label (no double quotes or line breaks inside). */
function quote(text: string): string {
  return `"${text.replace(/["\n\r]/g, (c) => (c === '"' ? "'" : ' '))}"`;
}

/** A number as Mermaid's parser accepts it: plain decimal, 3 significant digits, no exponent. */
function num(x: number): string {
  if (!Number.isFinite(x) || x === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return String(Number(x.toFixed(Math.min(digits, 6))));
}

/** The upper end of an axis: a 1, 2 or 5 step above `max`, so the bars never touch the top. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const target = max * 1.05;
  const mag = 10 ** Math.floor(Math.log10(target));
  const m = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((k) => k * mag >= target) ?? 10;
  return Number((m * mag).toPrecision(3));
}

function block(title: string, categories: readonly string[], axis: string, max: number, lines: string[]) {
  const horizontal = categories.length > 6;
  return [
    `xychart-beta${horizontal ? ' horizontal' : ''}`,
    `  title ${quote(title)}`,
    `  x-axis [${categories.map(quote).join(', ')}]`,
    `  y-axis ${quote(axis)} 0 --> ${num(niceMax(max))}`,
    ...lines.map((l) => `  ${l}`),
  ].join('\n');
}

/**
 * The charts that carry the comparison, most telling first: per group of two or more measured rows,
 * latency by case (p99 and p50 bars, in the unit that suits the group) — or capacity for a group of
 * capacity searches — then throughput by case where the load did not fix it (not for open-loop
 * rates, where every row runs at the offered rate). Groups of one row get none: the table has it.
 */
export function mermaidCharts(groups: readonly RowGroup[]): MermaidChart[] {
  const first: MermaidChart[] = [];
  const then: MermaidChart[] = [];
  for (const g of groups) {
    const rows = g.rows.filter((r) => r.result?.summary);
    if (rows.length < 2) continue;
    const name = g.label === '' ? '' : ` — ${g.label}`;
    const names = shortNames(g.rows);
    const cases = rows.map((r) => names[g.rows.indexOf(r)]!);
    const m = rows.map((r) => r.result!.summary!);
    if (m.every((s) => s.search)) {
      const capacity = m.map((s) => s.search?.capacity ?? 0);
      if (capacity.some((c) => c > 0)) {
        const title = `Capacity${name} (ops/s; 0: none found)`;
        first.push({
          title,
          source: block(title, cases, 'ops/s', Math.max(...capacity), [
            `bar [${capacity.map((x) => num(x)).join(', ')}]`,
          ]),
        });
      }
      continue;
    }
    // Rows without a successful operation have no latency: left out of the latency chart, not drawn as 0.
    const timed = m.flatMap((s, i) => {
      const l = s.delivery ? s.delivery.latency : s.latency;
      return l.count > 0 ? [{ l, c: cases[i]! }] : [];
    });
    if (timed.length > 0) {
      const latency = timed.map((t) => t.l);
      const top = Math.max(...latency.map((l) => l.p99));
      const [unit, scale] = top >= 1000 ? ['ms', 1000] : ['µs', 1];
      // Mermaid draws bar series over each other: the p50 bar inside the (never shorter) p99 bar.
      const title = `Latency${name} (${unit}): p99 bar, p50 bar inside it`;
      first.push({
        title,
        source: block(
          title,
          timed.map((t) => t.c),
          `latency (${unit})`,
          top / scale,
          [
            `bar [${latency.map((l) => num(l.p99 / scale)).join(', ')}]`,
            `bar [${latency.map((l) => num(l.p50 / scale)).join(', ')}]`,
          ],
        ),
      });
    }
    if (rows.every((r) => r.spec.load.model === 'rate')) continue;
    const rates = m.map((s) => (s.delivery ? s.delivery.throughput : s.throughput));
    const tTitle = `Throughput${name} (ops/s)`;
    then.push({
      title: tTitle,
      source: block(tTitle, cases, 'ops/s', Math.max(...rates), [
        `bar [${rates.map((x) => num(x)).join(', ')}]`,
      ]),
    });
  }
  return [...first, ...then];
}

/**
 * Per capacity-search (knee) case: what each offered rate got — completed ops/s as bars with the
 * offered rate as a line over them (a step that kept up has its bar reach the line) — and p99 per
 * step against the objective's bound. Steps are in rate order, not run order.
 */
export function searchCharts(groups: readonly RowGroup[]): MermaidChart[] {
  const charts: MermaidChart[] = [];
  for (const g of groups) {
    for (const r of g.rows) {
      const search: SearchResult | undefined = r.result?.summary?.search;
      // One step draws one bar: the row's search line says as much.
      if (!search || search.steps.length < 2) continue;
      const steps = [...search.steps].sort((a, b) => a.rate - b.rate);
      const x = steps.map((s) => `${Math.round(s.rate)}/s${s.met ? '' : ' ✗'}`);
      const name = r.cells.case;
      const tTitle = `${name} capacity search: ops/s done (bars) vs offered (line), ✗ broke`;
      charts.push({
        title: tTitle,
        source: block(tTitle, x, 'ops/s', Math.max(...steps.map((s) => Math.max(s.rate, s.throughput))), [
          `bar [${steps.map((s) => num(s.throughput)).join(', ')}]`,
          `line [${steps.map((s) => num(s.rate)).join(', ')}]`,
        ]),
      });
      const bound = search.objective.p99Ms;
      const p99 = steps.map((s) => s.p99 / 1000);
      // A step far beyond the objective would flatten the others: bars stop at 4× the bound, and the title says so.
      const clipped = p99.some((v) => v > bound * 4);
      const pTitle = `${name} capacity search: p99 ms (bars${clipped ? `, cut at ${bound * 4} ms` : ''}), objective ${bound} ms (line)`;
      charts.push({
        title: pTitle,
        source: block(pTitle, x, 'p99 (ms)', Math.min(Math.max(...p99, bound), bound * 4), [
          `bar [${p99.map((v) => num(Math.min(v, bound * 4))).join(', ')}]`,
          `line [${steps.map(() => num(bound)).join(', ')}]`,
        ]),
      });
    }
  }
  return charts;
}
