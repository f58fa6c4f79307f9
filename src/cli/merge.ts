import { basename } from 'node:path';
import type { Command } from 'commander';
import { mergeResults } from '../compare/merge.js';
import { ExitCode } from '../errors.js';
import {
  defaultResultPath,
  outputError,
  readResult,
  resolveOutPath,
  writeResultAtomic,
} from '../result/io.js';
import { renderTable } from '../report/table.js';
import { addTableFlags, tableOptions, type TableFlags } from './style.js';

/** `commbench merge A.json B.json ... --out M.json`: sums results of load generators run side by side. */
export function registerMerge(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('merge')
    .description('merge results of the same scenario run at the same time from several load generators')
    .argument('<results...>', 'two or more result files of the same scenario')
    .requiredOption('--out <file>', 'the merged result file, or a folder to write it in')
    .option('--no-color', 'plain table output');
  addTableFlags(command).action(
    async (files: string[], flags: { out: string; color?: boolean } & TableFlags) => {
      const table = tableOptions(flags);
      const out = await resolveOutPath(flags.out, (folder) => defaultResultPath(folder, 'merged'));
      const inputs = await Promise.all(
        files.map(async (f) => ({ file: basename(f), result: await readResult(f) })),
      );
      const notes: string[] = [];
      const merged = mergeResults(inputs, notes);
      await writeResultAtomic(out, merged).catch((err: unknown) => {
        throw outputError(out, err);
      });
      process.stdout.write(`${renderTable(merged, table)}\n`);
      for (const note of notes) process.stderr.write(`note: ${note}\n`);
      process.stderr.write(`merged ${files.length} results: ${out}\n`);
      setExit(ExitCode.ok);
    },
  );
}
