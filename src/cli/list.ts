import type { Command } from 'commander';
import { patternInfo, patternNames } from '../patterns/registry.js';
import { estimatePlanMs, listBuiltinScenarios, loadPlan } from '../scenario/index.js';
import { formatDurationMs } from '../units.js';
import { hang } from '../report/table.js';
import { tableWidth } from './style.js';

/** One built-in scenario as `list` tells it: what it runs and about how long it takes. */
export interface ScenarioListing {
  readonly name: string;
  readonly description: string;
  /** The patterns its cases run, in order of first appearance. */
  readonly patterns: readonly string[];
  readonly cases: number;
  /** The same estimate `run` prints before it starts, ms. */
  readonly estimateMs: number;
}

/** Every built-in scenario with its patterns, case count and estimated wall time. */
export async function scenarioListings(): Promise<ScenarioListing[]> {
  const out: ScenarioListing[] = [];
  for (const s of await listBuiltinScenarios()) {
    const plan = await loadPlan(s.name).catch(() => undefined);
    out.push({
      name: s.name,
      description: s.description,
      patterns: plan ? [...new Set(plan.cases.map((c) => c.pattern))] : [],
      cases: plan?.cases.length ?? 0,
      estimateMs: plan ? Math.round(estimatePlanMs(plan) / 1000) * 1000 : 0,
    });
  }
  return out;
}

/** `commbench list`: patterns and built-in scenarios (what each runs, about how long), wrapped to the width. */
export function registerList(program: Command): void {
  program
    .command('list')
    .description('list patterns and built-in scenarios (what each runs and about how long it takes)')
    .option('--json', 'print the patterns and scenarios as JSON on stdout')
    .option('--no-color', 'plain output (list prints no colour; accepted everywhere for scripts)')
    .addHelpText('after', examples(['commbench list', 'commbench list --json']))
    .action(async (flags: { json?: boolean }) => {
      const patterns = patternNames.map(patternInfo);
      const scenarios = await scenarioListings();
      if (flags.json) {
        const json = { patterns: patterns.map((p) => ({ name: p.name, summary: p.summary })), scenarios };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      const width = Math.min(160, tableWidth(process.stdout));
      const pad = Math.max(...patterns.map((p) => p.name.length), ...scenarios.map((s) => s.name.length)) + 4;
      const indent = ' '.repeat(pad);
      const lines = ['Patterns:'];
      for (const p of patterns) lines.push(...hang(`  ${p.name.padEnd(pad - 2)}`, indent, p.summary, width));
      lines.push('', 'Built-in scenarios (commbench run NAME):');
      for (const s of scenarios) {
        const runs = `runs ${s.patterns.join(', ')}: ${s.cases} case${s.cases === 1 ? '' : 's'}, about ${formatDurationMs(s.estimateMs)}.`;
        lines.push(...hang(`  ${s.name.padEnd(pad - 2)}`, indent, `${runs} ${s.description}`, width));
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}

/** The Examples section of a command's --help: each line runs as written (test/cli/help-examples.test.ts). */
export function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
