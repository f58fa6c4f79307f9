import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { mergeResults } from '../compare/merge.js';
import { ExitCode } from '../errors.js';
import { readResult, writeResultAtomic } from '../result/io.js';
import { renderTable } from '../report/table.js';

/** `commbench merge A.json B.json ... --out M.json`: sums results of load generators run side by side. */
export function registerMerge(program: Command, setExit: (code: number) => void): void {
  program
    .command('merge')
    .description('merge results of the same scenario run at the same time from several load generators')
    .argument('<results...>', 'two or more result files of the same scenario')
    .requiredOption('--out <file>', 'the merged result file')
    .action(async (files: string[], flags: { out: string }) => {
      const inputs = await Promise.all(
        files.map(async (f) => ({ file: basename(f), result: await readResult(f) })),
      );
      const notes: string[] = [];
      const merged = mergeResults(inputs, notes);
      const out = resolve(flags.out);
      await writeResultAtomic(out, merged);
      process.stdout.write(`${renderTable(merged)}\n`);
      for (const note of notes) process.stderr.write(`note: ${note}\n`);
      process.stderr.write(`merged ${files.length} results: ${out}\n`);
      setExit(ExitCode.ok);
    });
}
