import { basename } from 'node:path';
import type { Command } from 'commander';
import { mergeResults } from '../compare/merge.js';
import { ExitCode } from '../errors.js';
import {
  claimOutPath,
  numberedResultPath,
  outputError,
  readResult,
  writeResultAtomic,
} from '../result/io.js';
import { renderTable } from '../report/table.js';

/** `commbench merge A.json B.json ... --out M.json`: sums results of load generators run side by side. */
export function registerMerge(program: Command, setExit: (code: number) => void): void {
  program
    .command('merge')
    .description('merge results of the same scenario run at the same time from several load generators')
    .argument('<results...>', 'two or more result files of the same scenario')
    .requiredOption('--out <file>', 'the merged result file, or a folder to write it in')
    .action(async (files: string[], flags: { out: string }) => {
      const now = new Date();
      const claim = await claimOutPath(flags.out, (folder, n) =>
        numberedResultPath(folder, 'merged', now, n),
      );
      const out = claim.path;
      const notes: string[] = [];
      let merged;
      try {
        const inputs = await Promise.all(
          files.map(async (f) => ({ file: basename(f), result: await readResult(f) })),
        );
        merged = mergeResults(inputs, notes);
        await writeResultAtomic(out, merged).catch((err: unknown) => {
          throw outputError(out, err);
        });
      } finally {
        await claim.release();
      }
      process.stdout.write(`${renderTable(merged)}\n`);
      for (const note of notes) process.stderr.write(`note: ${note}\n`);
      process.stderr.write(`merged ${files.length} results: ${out}\n`);
      setExit(ExitCode.ok);
    });
}
