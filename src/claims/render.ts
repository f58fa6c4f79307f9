import { escapeHtml } from '../report/html.js';
import { mdCell } from '../report/markdown.js';
import type { Environment } from '../result/types.js';
import { claims, notesSections, unmeasuredClaims, type NotesWords } from './claims.js';
import type { ClaimOutcome } from './run.js';

/** What the claims reporters render: verdicts, the machine, and how long the run took. Pure data. */
export interface ClaimsReport {
  readonly outcomes: readonly ClaimOutcome[];
  readonly environment: Environment;
  /** Wall time of the run, ms (from the result's start and finish). */
  readonly wallMs: number;
  readonly quick: boolean;
}

/** The notes' words in quotes with their section: '"Zero network latency" (System design §1 …)'. */
export function quote(w: NotesWords): string {
  return `"${w.words}" (${notesSections[w.section]})`;
}

function numbers(o: ClaimOutcome): string[] {
  if (o.notRun) return [`not run: ${o.notRun}`];
  return o.outcomes.map((r) => r.text);
}

function machine(r: ClaimsReport): string {
  const e = r.environment;
  return `${e.cpuModel} × ${e.cores} cores, node ${e.node}, ${e.os}; ${(r.wallMs / 1000).toFixed(0)} s${r.quick ? ' (--quick)' : ''}`;
}

/** The notes' unmeasured statements belong to a report of every claim, not to a --only subset. */
const everyClaim = (r: ClaimsReport): boolean =>
  claims.every((c) => r.outcomes.some((o) => o.claim.id === c.id));

function tally(r: ClaimsReport): string {
  const counted = (v: string) => r.outcomes.filter((o) => o.verdict === v).length;
  const statements = unmeasuredClaims.reduce((sum, g) => sum + g.notes.length, 0);
  const rest = everyClaim(r) ? `; ${statements} statements of the notes not measured (listed below)` : '';
  return `${r.outcomes.length} claims on this machine: ${counted('holds')} hold, ${counted('does not hold')} do not hold, ${counted('mixed')} mixed, ${counted('not measured')} not measured${rest}.`;
}

/** One claim in `claims --json`. */
export interface ClaimJson {
  readonly id: string;
  readonly verdict: string;
  /** The notes' words the claim tests, with their section. */
  readonly notes: readonly { readonly words: string; readonly section: string }[];
  /** What was measured, in one sentence. */
  readonly measured: string;
  /** One entry per rule: whether it held (null: not measured, `missing` says why) and the numbers. */
  readonly rules: readonly {
    readonly holds: boolean | null;
    readonly text: string;
    readonly missing?: string;
  }[];
  readonly notRun?: string;
}

/**
 * `claims --json`: the verdicts as data for CI (a stable shape: id, verdict, the notes' words, each
 * rule's outcome and numbers), the tally, the machine and the result file it was judged from.
 */
export function renderClaimsJson(r: ClaimsReport, resultPath?: string): string {
  const claimsJson: ClaimJson[] = r.outcomes.map((o) => ({
    id: o.claim.id,
    verdict: o.verdict,
    notes: o.claim.notes.map((w) => ({ words: w.words, section: notesSections[w.section] })),
    measured: o.claim.test,
    rules: o.outcomes.map((x) => ({
      holds: x.holds ?? null,
      text: x.text,
      ...(x.missing !== undefined ? { missing: x.missing } : {}),
    })),
    ...(o.notRun !== undefined ? { notRun: o.notRun } : {}),
  }));
  const json = {
    claims: claimsJson,
    tally: tally(r),
    machine: machine(r),
    ...(everyClaim(r)
      ? {
          notMeasured: unmeasuredClaims.map((g) => ({
            reason: g.reason,
            notes: g.notes.map((w) => ({ words: w.words, section: notesSections[w.section] })),
          })),
        }
      : {}),
    ...(resultPath !== undefined ? { result: resultPath } : {}),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Terminal: per claim the verdict and the notes' words, what was measured, one line per rule; then what is not measured. */
export function renderClaimsText(r: ClaimsReport): string {
  const lines: string[] = [];
  for (const o of r.outcomes) {
    const [first, ...rest] = o.claim.notes;
    lines.push(`${o.verdict.toUpperCase()} — ${quote(first)} [${o.claim.id}]`);
    for (const w of rest) lines.push(`    also ${quote(w)}`);
    lines.push(`    measured: ${o.claim.test}`);
    for (const t of numbers(o)) lines.push(`    ${t}`);
  }
  if (everyClaim(r)) lines.push('', 'Not measured:');
  for (const g of everyClaim(r) ? unmeasuredClaims : []) {
    lines.push(`  ${g.reason}:`);
    for (const w of g.notes) lines.push(`    ${quote(w)}`);
  }
  lines.push(
    '',
    tally(r),
    `Machine: ${machine(r)}. Each verdict reads one short run; re-run the named scenario (commbench run NAME --repeat 3) before quoting a close call.`,
  );
  return `${lines.join('\n')}\n`;
}

/** 'SD §3', 'CP §4.1', 'SD opening': the table's section column (the full titles are in the other reports). */
function shortSection(section: keyof typeof notesSections): string {
  const [doc, number] = section.split('-') as [string, string];
  return `${doc.toUpperCase()} ${number === '0' ? 'opening' : `§${number}`}`;
}

/** Markdown: a compact table (words, verdict, section), then the numbers per claim, then what is not measured. */
export function renderClaimsMarkdown(r: ClaimsReport): string {
  const rows = r.outcomes.map(
    (o) =>
      `| "${mdCell(o.claim.notes[0].words)}" | **${o.verdict}** | ${shortSection(o.claim.notes[0].section)} |`,
  );
  const details = r.outcomes.map((o) => {
    const also = o.claim.notes.slice(1).map((w) => `"${w.words}"`);
    const marked = numbers(o).map((t) => t.replace(/: holds$/, ' ✓').replace(/: does not hold$/, ' ✗'));
    const scenario = o.claim.scenario === o.claim.id ? '' : ` (\`${o.claim.scenario}\`)`;
    return `- **${o.claim.id}**${scenario}${also.length > 0 ? `, also ${also.join(', ')}` : ''}: ${marked.join('; ')}`;
  });
  const unmeasured = (everyClaim(r) ? unmeasuredClaims : []).map(
    (g) => `- ${g.reason}: ${g.notes.map((w) => `"${w.words}" (${shortSection(w.section)})`).join(', ')}`,
  );
  return [
    '# System-design claims on this machine',
    '',
    tally(r),
    '',
    "| the notes' words | verdict | section |",
    '| --- | --- | --- |',
    ...rows,
    '',
    'Sections: SD = System design, CP = Communication patterns (the two notes).',
    '',
    '## The numbers (✓ the rule holds, ✗ it does not)',
    '',
    ...details,
    '',
    ...(unmeasured.length > 0 ? ['## Not measured', '', ...unmeasured, ''] : []),
    `Machine: ${machine(r)}.`,
    '',
  ].join('\n');
}

export function renderClaimsHtml(r: ClaimsReport): string {
  const rows = r.outcomes
    .map((o) => {
      const words = o.claim.notes.map((w) => escapeHtml(quote(w))).join('<br>');
      const measured = `measured: ${escapeHtml(o.claim.test)}<br>${numbers(o).map(escapeHtml).join('<br>')}`;
      return `<tr><td>${words}</td><td class="v ${o.verdict.replace(/ /g, '-')}">${escapeHtml(o.verdict)}</td><td>${measured}</td><td><code>${escapeHtml(o.claim.scenario)}</code></td></tr>`;
    })
    .join('\n');
  const unmeasured = (everyClaim(r) ? unmeasuredClaims : [])
    .map(
      (g) =>
        `<li>${escapeHtml(g.reason)}:<ul>${g.notes.map((w) => `<li>${escapeHtml(quote(w))}</li>`).join('')}</ul></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>commbench claims</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}.holds{color:#070}.does-not-hold{color:#a00}.mixed{color:#a60}.not-measured{color:#666}.v{font-weight:bold;white-space:nowrap}</style>
</head><body>
<h1>System-design claims on this machine</h1>
<p>${escapeHtml(tally(r))}</p>
<table><thead><tr><th>the notes' words</th><th>verdict</th><th>what was measured, and the numbers that decided it</th><th>scenario</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${unmeasured ? `<h2>Not measured</h2>\n<ul>\n${unmeasured}\n</ul>\n` : ''}<p>Machine: ${escapeHtml(machine(r))}.</p>
</body></html>
`;
}
