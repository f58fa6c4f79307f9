import { basename } from 'node:path';
import { examples } from './list.js';
import type { Command } from 'commander';
import { mergeResults } from '../engine/merge-results.js';
import { ExitCode } from '../errors.js';
import { claimOutPath, numberedResultPath, outputError, writeResultAtomic } from '../result/io.js';
import { readResult } from './read-result.js';
import { renderTable } from '../report/table.js';
import { addTableFlags, tableOptions, useColor, type TableFlags } from './style.js';
import { renderJson } from '../result/json.js';
import { renderSummaryJson } from '../report/summary-json.js';

/** `commbench merge A.json B.json ... --out M.json`: sums results of load generators run side by side. */
export function registerMerge(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('merge')
    .description('merge results of the same scenario run at the same time from several load generators')
    .argument('<results...>', 'two or more result files of the same scenario')
    .addHelpText(
      'after',
      examples([
        'commbench merge shard0.json shard1.json --out merged.json',
        'commbench merge shard0.json shard1.json --out - --no-color',
      ]),
    )
    .requiredOption('--out <file>', "the merged result file, a folder to write it in, or '-' for stdout")
    .option('--no-color', 'plain table output');
  addTableFlags(command).action(
    async (files: string[], flags: { out: string; color?: boolean } & TableFlags) => {
      const table = tableOptions(flags);
      const toStdout = flags.out === '-';
      const now = new Date();
      // A file is claimed before anything is read (another run writing the same name is refused).
      const claim = toStdout
        ? undefined
        : await claimOutPath(flags.out, (folder, n) => numberedResultPath(folder, 'merged', now, n));
      const out = claim?.path ?? '-';
      const notes: string[] = [];
      let merged;
      try {
        const inputs = await Promise.all(
          files.map(async (f) => ({ file: basename(f), result: await readResult(f) })),
        );
        merged = mergeResults(inputs, notes);
        if (!toStdout)
          await writeResultAtomic(out, merged).catch((err: unknown) => {
            throw outputError(out, err);
          });
      } finally {
        await claim?.release();
      }
      if (toStdout) {
        // `--out -`: the merged result on stdout, the table for the reader on stderr.
        process.stdout.write(renderJson(merged));
        process.stderr.write(
          `${renderTable(merged, { ...table, color: useColor(process.stderr, flags.color) })}\n`,
        );
      } else {
        process.stdout.write(flags.json ? renderSummaryJson(merged, out) : `${renderTable(merged, table)}\n`);
      }
      for (const note of notes) process.stderr.write(`note: ${note}\n`);
      process.stderr.write(`merged ${files.length} results${toStdout ? '' : `: ${out}`}\n`);
      setExit(ExitCode.ok);
    },
  );
}
