/**
 * Renderers of a Comparison: terminal table, markdown (for PR comments and job summaries) and JSON.
 * One row per case and metric; the verdict in words; unmatched cases and what normalization did
 * listed under the table. Pure.
 */
import Table from 'cli-table3';
import { mdCell } from '../report/markdown.js';
import { borderless, wrap } from '../report/table.js';
import { formatPercent } from '../units.js';
import type { CaseComparison, Comparison, MetricComparison, Verdict } from './compare.js';
import { formatMetric } from './metrics.js';

const verdictText: Record<Verdict, string> = {
  regressed: 'REGRESSED',
  improved: 'improved',
  unchanged: 'unchanged',
  'within-noise': 'within noise',
  'too-few': "can't tell",
  missing: 'MISSING',
};

/**
 * An interval whose high end is more than this many times its low end says nothing a reader can
 * use (with n = 2 and a Bonferroni level, t quantiles reach the hundreds and the bounds run to
 * -100% … +1e35%); it is replaced by "n too small".
 */
export const maxInformativeSpan = 4;

/** False when the interval is too wide to tell anything (see maxInformativeSpan). */
export function informative(m: MetricComparison): boolean {
  if (m.low === undefined || m.high === undefined) return false;
  return (1 + m.high) / Math.max(1e-12, 1 + m.low) <= maxInformativeSpan;
}

/** '+12.3%', '-4.0%', '+0.0%'; '-' when there is no change to show. */
export function formatChange(change: number): string {
  if (!Number.isFinite(change)) return '-';
  const pct = change * 100;
  const text = Math.abs(pct) >= 100 ? pct.toFixed(0) : pct.toFixed(1);
  return `${pct >= 0 ? '+' : ''}${text === '-0.0' ? '0.0' : text}%`;
}

function interval(row: CaseComparison, m: MetricComparison): string {
  if (m.verdict === 'missing') return '-';
  if (m.low === undefined || m.high === undefined || !informative(m))
    return `n too small (${row.baseReps}/${row.headReps})`;
  return `${formatChange(m.low)} … ${formatChange(m.high)}`;
}

interface Line {
  readonly row: CaseComparison;
  readonly m: MetricComparison;
  readonly first: boolean;
}

function lines(c: Comparison): Line[] {
  return c.rows.flatMap((row) => row.metrics.map((m, i) => ({ row, m, first: i === 0 })));
}

function headers(c: Comparison): string[] {
  const level = `${formatLevel(c.intervalLevel)} CI`;
  return [
    'case',
    'metric',
    'base',
    'head',
    c.normalize ? `change ÷${c.normalize}` : 'change',
    level,
    ...(c.normalize ? ['raw change'] : []),
    'verdict',
  ];
}

function formatLevel(level: number): string {
  const pct = level * 100;
  return `${Number(pct.toFixed(pct > 99 ? 2 : 1))}%`;
}

function cells(c: Comparison, l: Line): string[] {
  const verdict = verdictText[l.m.verdict] + (l.m.gated ? '' : ' (not gated)');
  return [
    l.first ? l.row.label : '',
    l.m.metric.name,
    formatMetric(l.m.metric, l.m.base),
    formatMetric(l.m.metric, l.m.head),
    formatChange(l.m.change),
    interval(l.row, l.m),
    ...(c.normalize ? [l.m.rawChange === undefined ? '-' : formatChange(l.m.rawChange)] : []),
    verdict,
  ];
}

/** The sentences under the table: outcome, unmatched cases, normalization, method. */
export function comparisonNotes(c: Comparison): { severity: 'error' | 'warn' | 'info'; text: string }[] {
  const notes: { severity: 'error' | 'warn' | 'info'; text: string }[] = [];
  const regressed = lines(c).filter((l) => l.m.gated && l.m.verdict === 'regressed');
  if (regressed.length > 0) {
    notes.push({
      severity: 'error',
      text: `${regressed.length} regression${regressed.length === 1 ? '' : 's'}: ${regressed.map((l) => `${l.row.label} ${l.m.metric.name} ${formatChange(l.m.change)}`).join(', ')}.`,
    });
  }
  const missing = c.failures.filter((f) => f.untested !== true);
  if (missing.length > 0) {
    notes.push({
      severity: 'error',
      text: `FAILED: ${missing.length} gated case${missing.length === 1 ? '' : 's'} or metric${missing.length === 1 ? '' : 's'} without data: ${missing.map((f) => `${f.label} (${f.id})${f.metric ? ` ${f.metric}` : ''}: ${f.reason}`).join('; ')}.`,
    });
  }
  const untested = c.failures.filter((f) => f.untested === true);
  if (untested.length > 0) {
    notes.push({
      severity: 'error',
      text: `FAILED (--strict): ${c.tooFew} gated metric${c.tooFew === 1 ? '' : 's'} not tested: ${untested.map((f) => `${f.label} ${f.metric ?? ''}: ${f.reason}`).join('; ')}.`,
    });
  }
  const gatedCount = lines(c).filter((l) => l.m.gated).length;
  if (!c.failed && c.tooFew === 0) {
    notes.push({
      severity: 'info',
      text: `No regression in ${c.rows.length} matched case${c.rows.length === 1 ? '' : 's'}.`,
    });
  } else if (!c.failed || (c.regressions === 0 && missing.length === 0)) {
    notes.push({
      severity: 'warn',
      text: `Inconclusive: no regression found, but ${c.tooFew} of ${gatedCount} gated comparison${gatedCount === 1 ? '' : 's'} could not be tested (${reps(c)}). ${c.strict ? 'With --strict this fails the gate (exit 3).' : 'This does not fail the gate (exit 0); --strict makes it fail.'}`,
    });
  }
  if (c.tooFew > 0) {
    const beyond = lines(c).filter((l) => l.m.gated && l.m.verdict === 'too-few' && beyondLimit(l.m));
    notes.push({
      severity: 'warn',
      text:
        `can't tell: with fewer than 2 repetitions on a side there is no interval, and a single run cannot be told from noise (two runs of the same code can differ by 40% on a shared machine), so nothing is called regressed or improved. ` +
        (beyond.length > 0
          ? `Beyond the threshold but untested: ${beyond.map((l) => `${l.row.label} ${l.m.metric.name} ${formatChange(l.m.change)}`).join(', ')}. `
          : '') +
        'Run both sides with --repeat 5.',
    });
  }
  const flagged = c.rows.filter((r) => r.flags.base.length > 0 || r.flags.head.length > 0);
  if (flagged.length > 0) {
    notes.push({
      severity: 'warn',
      text: `flagged: ${flagged.map((r) => `${r.label} (${[...(r.flags.base.length > 0 ? [`base ${r.flags.base.join(', ')}`] : []), ...(r.flags.head.length > 0 ? [`head ${r.flags.head.join(', ')}`] : [])].join('; ')})`).join(', ')}: a flagged row may measure the load generator or the machine rather than the code; its verdict says what was measured (commbench report explains each flag).`,
    });
  }
  const failedIds = new Set(c.failures.filter((f) => f.metric === undefined).map((f) => f.id));
  for (const u of c.unmatched.filter((u) => !failedIds.has(u.id)))
    notes.push({ severity: 'warn', text: `not compared: ${u.label} (${u.id}): ${u.reason}.` });
  if (c.normalize) {
    for (const f of c.floors) {
      notes.push({
        severity: 'info',
        text:
          `normalized by ${f.label}: every case is divided by the ${c.normalize} case of its own run before comparing; ` +
          `the floor itself moved ${f.metrics.map((m) => `${m.metric.name} ${formatMetric(m.metric, m.base)} → ${formatMetric(m.metric, m.head)} (${formatChange(m.change)})`).join(', ')}. ` +
          '"raw change" is the change before dividing.',
      });
    }
  }
  const wide = lines(c).filter((l) => l.m.low !== undefined && !informative(l.m));
  if (wide.length > 0) {
    notes.push({
      severity: 'warn',
      text: `n too small: ${wide.length} interval${wide.length === 1 ? ' is' : 's are'} omitted, wider than ×${maxInformativeSpan} from low to high at ${formatLevel(c.intervalLevel)} with ${[...new Set(wide.map((l) => `${l.row.baseReps}/${l.row.headReps}`))].join(', ')} repetitions (base/head); the verdict is "within noise" unless the change is certain. Run both sides with --repeat 5.`,
    });
  }
  notes.push({
    severity: 'info',
    text:
      `Method: per case and metric, the ratio of geometric means of the repetitions (head/base) with a Welch t-interval on logarithms; ` +
      (c.tooFew === gatedCount
        ? 'no gated comparison has an interval here (fewer than 2 repetitions on a side). '
        : `intervals at ${formatLevel(c.intervalLevel)} so that all ${c.tests} gated comparison${c.tests === 1 ? '' : 's'} together keep ${formatLevel(c.confidence)} confidence (Bonferroni). `) +
      `regressed/improved: the interval excludes no change and the change is beyond the threshold (${formatPercent(c.threshold)} unless --fail-on sets one); ` +
      "unchanged: within the threshold; within noise: the runs are too noisy to tell; can't tell: fewer than 2 repetitions on a side, not tested.",
  });
  return notes;
}

/** '1/1 repetitions (base/head)' for the rows not tested, each distinct count once. */
function reps(c: Comparison): string {
  const counts = [
    ...new Set(
      c.rows
        .filter((r) => r.metrics.some((m) => m.verdict === 'too-few'))
        .map((r) => `${r.baseReps}/${r.headReps}`),
    ),
  ];
  return `${counts.join(', ')} repetitions (base/head)`;
}

/** The estimate alone is worse or better than the metric's limit. */
function beyondLimit(m: MetricComparison): boolean {
  return Number.isFinite(m.change) && Math.abs(m.change) > m.limit;
}

/** Terminal table of a comparison (plain text, ends without a newline). */
export function renderComparisonTable(c: Comparison): string {
  const table = new Table({
    head: headers(c),
    ...borderless,
    colAligns: [
      'left',
      'left',
      'right',
      'right',
      'right',
      'right',
      ...(c.normalize ? (['right'] as const) : []),
      'left',
    ],
  });
  for (const l of lines(c)) table.push(cells(c, l));
  const title = `compare ${c.base.name}${c.base.gitSha ? `@${c.base.gitSha.slice(0, 7)}` : ''} (${c.base.startedAt}) → ${c.head.name}${c.head.gitSha ? `@${c.head.gitSha.slice(0, 7)}` : ''} (${c.head.startedAt})`;
  const body = table
    .toString()
    .split('\n')
    .map((s) => s.trimEnd());
  const notes = comparisonNotes(c).flatMap((n) => wrap(n.text, 110, '  '));
  return [title, '', ...body, '', ...notes].join('\n');
}

/** Markdown of a comparison (ends with a newline): a GitHub table, then the notes. */
export function renderComparisonMarkdown(c: Comparison): string {
  const h = headers(c);
  const out = [
    `### commbench compare: ${c.failed ? `❌ ${failedTitle(c)}` : c.tooFew > 0 ? `⚠️ inconclusive: ${c.tooFew} gated comparison${c.tooFew === 1 ? '' : 's'} not tested (${reps(c)})` : '✅ no regression'}`,
    '',
    `base ${mdCell(c.base.name)}${c.base.gitSha ? ` \`${c.base.gitSha.slice(0, 7)}\`` : ''} (${mdCell(c.base.startedAt)}) → head ${mdCell(c.head.name)}${c.head.gitSha ? ` \`${c.head.gitSha.slice(0, 7)}\`` : ''} (${mdCell(c.head.startedAt)})`,
    '',
    `| ${h.join(' | ')} |`,
    `|${h.map((_, i) => (i < 2 || i === h.length - 1 ? ':---' : '---:')).join('|')}|`,
  ];
  for (const l of lines(c)) {
    const row = cells(c, l).map(mdCell);
    if ((l.m.verdict === 'regressed' || l.m.verdict === 'missing') && l.m.gated)
      row[row.length - 1] = `❌ **${row[row.length - 1]}**`;
    else if (l.m.verdict === 'improved') row[row.length - 1] = `✅ ${row[row.length - 1]}`;
    else if (l.m.verdict === 'too-few' && l.m.gated) row[row.length - 1] = `⚠️ ${row[row.length - 1]}`;
    if (l.first) row[0] = `**${row[0]}**`;
    out.push(`| ${row.join(' | ')} |`);
  }
  out.push('');
  for (const n of comparisonNotes(c)) out.push(`- ${n.severity === 'info' ? '' : '⚠️ '}${mdCell(n.text)}`);
  return `${out.join('\n')}\n`;
}

/** '2 regressions, 1 missing or incomplete'. */
function failedTitle(c: Comparison): string {
  const parts = [
    ...(c.regressions > 0 ? [`${c.regressions} regression${c.regressions === 1 ? '' : 's'}`] : []),
    ...(c.failures.some((f) => f.untested !== true)
      ? [`${c.failures.filter((f) => f.untested !== true).length} missing or incomplete`]
      : []),
    ...(c.failures.some((f) => f.untested === true) ? [`${c.tooFew} not tested (--strict)`] : []),
  ];
  return parts.join(', ');
}

/** JSON of a comparison: the numbers behind the table, metric names instead of definitions. */
export function renderComparisonJson(c: Comparison): string {
  const json = {
    base: c.base,
    head: c.head,
    confidence: c.confidence,
    intervalLevel: c.intervalLevel,
    tests: c.tests,
    threshold: c.threshold,
    normalize: c.normalize ?? null,
    regressions: c.regressions,
    tooFew: c.tooFew,
    strict: c.strict,
    failed: c.failed,
    failures: c.failures,
    rows: c.rows.map((r) => ({
      case: r.label,
      id: r.base.spec.id,
      baseRepetitions: r.baseReps,
      headRepetitions: r.headReps,
      floor: r.floor?.label ?? null,
      flags: r.flags,
      metrics: r.metrics.map((m) => ({
        metric: m.metric.name,
        base: m.base ?? null,
        head: m.head ?? null,
        change: Number.isFinite(m.change) ? m.change : null,
        low: m.low ?? null,
        high: m.high ?? null,
        informative: informative(m),
        rawChange: m.rawChange ?? null,
        limit: m.limit,
        gated: m.gated,
        verdict: m.verdict,
        ...(m.missing ? { missing: m.missing } : {}),
      })),
    })),
    floors: c.floors.map((f) => ({
      case: f.label,
      metrics: f.metrics.map((m) => ({
        metric: m.metric.name,
        base: m.base,
        head: m.head,
        change: m.change,
      })),
    })),
    unmatched: c.unmatched,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
