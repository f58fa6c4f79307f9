import type { Command } from 'commander';
import { patternInfo, patternNames } from '../patterns/registry.js';
import { listBuiltinScenarios } from '../scenario/index.js';

/** `commbench list`: patterns and built-in scenarios, one line each. */
export function registerList(program: Command): void {
  program
    .command('list')
    .description('list patterns and built-in scenarios')
    .action(async () => {
      const patterns = patternNames.map(patternInfo);
      const scenarios = await listBuiltinScenarios();
      const width =
        Math.max(...patterns.map((p) => p.name.length), ...scenarios.map((s) => s.name.length)) + 2;
      const lines = ['Patterns:'];
      for (const p of patterns) lines.push(`  ${p.name.padEnd(width)}${p.summary}`);
      lines.push('', 'Built-in scenarios (commbench run NAME):');
      for (const s of scenarios) lines.push(`  ${s.name.padEnd(width)}${s.description}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
