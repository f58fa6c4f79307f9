import type { Command } from 'commander';
import { checkThresholds, flaggedPasses, formatOutcome, parseThreshold } from '../compare/check.js';
import { metrics } from '../compare/metrics.js';
import { CommbenchError, ExitCode } from '../errors.js';
import { readResult } from '../result/io.js';
import { reportError } from './main.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `commbench check RESULT --threshold 'grpc.p99<2ms'`: k6-style thresholds; exit 3 when one is crossed. */
export function registerCheck(program: Command, setExit: (code: number) => void): void {
  program
    .command('check')
    .description('check a result against thresholds; exit 3 when one is crossed')
    .argument('<result>', 'a result file written by commbench run')
    .option(
      '--threshold <expr>',
      `SELECTOR.METRIC OP VALUE, repeatable, e.g. 'grpc.p99<2ms', 'rest.throughput>20000', 'p99<5ms' (every case); metrics: ${metrics.map((m) => m.name).join(', ')}`,
      collect,
    )
    .action(async (file: string, flags: { threshold?: string[] }) => {
      setExit(await checkCommand(file, flags.threshold ?? []));
    });
}

async function checkCommand(file: string, texts: readonly string[]): Promise<number> {
  if (texts.length === 0) {
    throw new CommbenchError('E_USAGE', 'check needs at least one --threshold', {
      hint: "e.g. commbench check result.json --threshold 'grpc.p99<2ms' --threshold 'rest.throughput>20000'",
    });
  }
  const thresholds = texts.map(parseThreshold);
  const result = await readResult(file);
  const outcomes = checkThresholds(result, thresholds);
  for (const o of outcomes) process.stdout.write(`${formatOutcome(o)}\n`);
  const crossed = outcomes.filter((o) => !o.passed);
  const flagged = flaggedPasses(outcomes);
  if (flagged !== undefined) process.stdout.write(`${flagged}\n`);
  if (crossed.length === 0) {
    process.stdout.write(`all ${outcomes.length} checks passed\n`);
    return ExitCode.ok;
  }
  return reportError(
    new CommbenchError(
      'E_THRESHOLD',
      `${crossed.length} of ${outcomes.length} checks crossed their threshold`,
      {
        details: crossed.map((o) => `${o.threshold.text}: ${o.caseLabel}${o.reason ? ` (${o.reason})` : ''}`),
        hint: 'the lines marked CROSSED above have the measured values',
      },
    ),
  );
}
