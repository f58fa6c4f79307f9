import { escapeHtml } from '../report/html.js';
import { mdCell } from '../report/markdown.js';
import type { Environment } from '../result/types.js';
import { unmeasuredClaims } from './claims.js';
import type { ClaimOutcome } from './run.js';

/** What the claims reporters render: verdicts, the machine, and how long the run took. Pure data. */
export interface ClaimsReport {
  readonly outcomes: readonly ClaimOutcome[];
  readonly environment: Environment;
  /** Wall time of the run, ms (from the result's start and finish). */
  readonly wallMs: number;
  readonly quick: boolean;
}

function numbers(o: ClaimOutcome): string {
  if (o.notRun) return `not run: ${o.notRun}`;
  return o.outcomes.map((r) => r.text).join('; ');
}

function machine(r: ClaimsReport): string {
  const e = r.environment;
  return `${e.cpuModel} × ${e.cores} cores, node ${e.node}, ${e.os}; ${(r.wallMs / 1000).toFixed(0)} s${r.quick ? ' (--quick)' : ''}`;
}

/** Terminal: one line per claim — the claim, its verdict, the numbers that decided it. */
export function renderClaimsText(r: ClaimsReport): string {
  const lines = r.outcomes.map((o) => `${o.verdict.toUpperCase()} — ${o.claim.claim}\n    ${numbers(o)}`);
  const counted = (v: string) => r.outcomes.filter((o) => o.verdict === v).length;
  lines.push(
    '',
    `${r.outcomes.length} claims on this machine: ${counted('holds')} hold, ${counted('does not hold')} do not hold, ${counted('mixed')} mixed, ${counted('not measured')} not measured.`,
    ...(unmeasuredClaims.length > 0 ? [`Not covered yet: ${unmeasuredClaims.join('; ')}.`] : []),
    `Machine: ${machine(r)}. Each verdict reads one short run; re-run the named scenario (commbench run NAME --repeat 3) before quoting a close call.`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderClaimsMarkdown(r: ClaimsReport): string {
  const rows = r.outcomes.map(
    (o) =>
      `| ${mdCell(o.claim.claim)} | **${o.verdict}** | ${mdCell(numbers(o))} | \`${o.claim.scenario}\` |`,
  );
  return [
    '# System-design claims on this machine',
    '',
    '| claim | verdict | the numbers that decided it | scenario |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    ...(unmeasuredClaims.length > 0
      ? [`Not covered yet: ${unmeasuredClaims.map(mdCell).join('; ')}.`, '']
      : []),
    `Machine: ${mdCell(machine(r))}.`,
    '',
  ].join('\n');
}

export function renderClaimsHtml(r: ClaimsReport): string {
  const rows = r.outcomes
    .map(
      (o) =>
        `<tr><td>${escapeHtml(o.claim.claim)}</td><td class="v ${o.verdict.replace(/ /g, '-')}">${escapeHtml(o.verdict)}</td><td>${escapeHtml(numbers(o))}</td><td><code>${escapeHtml(o.claim.scenario)}</code></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>commbench claims</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}.holds{color:#070}.does-not-hold{color:#a00}.mixed{color:#a60}.not-measured{color:#666}.v{font-weight:bold;white-space:nowrap}</style>
</head><body>
<h1>System-design claims on this machine</h1>
<table><thead><tr><th>claim</th><th>verdict</th><th>the numbers that decided it</th><th>scenario</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${unmeasuredClaims.length > 0 ? `<p>Not covered yet: ${escapeHtml(unmeasuredClaims.join('; '))}.</p>\n` : ''}<p>Machine: ${escapeHtml(machine(r))}.</p>
</body></html>
`;
}
