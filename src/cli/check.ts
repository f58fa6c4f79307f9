import type { Command } from 'commander';
import { examples } from './list.js';
import { checkThresholds, flaggedPasses, formatOutcome, parseThreshold } from '../compare/check.js';
import { metrics } from '../compare/metrics.js';
import { CommbenchError, ExitCode } from '../errors.js';
import { readResult } from './read-result.js';
import { reportError } from './style.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `commbench check RESULT --threshold 'grpc.p99<2ms'`: k6-style thresholds; exit 3 when one is crossed. */
export function registerCheck(program: Command, setExit: (code: number) => void): void {
  program
    .command('check')
    .description('check a result against thresholds; exit 3 when one is crossed')
    .argument('<result>', 'a result file written by commbench run')
    .addHelpText(
      'after',
      examples([
        "commbench check result.json --threshold 'tcp.p99<1s' --threshold 'throughput>100'",
        'commbench check thresholds.json',
        "commbench check result.json --threshold 'p99<=5s' --json",
      ]),
    )
    .option(
      '--threshold <expr>',
      `SELECTOR.METRIC OP VALUE, repeatable (default: the scenario's thresholds), e.g. 'grpc.p99<2ms', 'rest.throughput>20000', 'p99<5ms' (every case); metrics: ${metrics.map((m) => m.name).join(', ')}`,
      collect,
    )
    .option('--json', 'print the outcomes as JSON on stdout')
    .option('--no-color', 'plain output (check prints no colour; accepted everywhere for scripts)')
    .action(async (file: string, flags: { threshold?: string[]; json?: boolean }) => {
      setExit(await checkCommand(file, flags.threshold ?? [], flags.json === true));
    });
}

async function checkCommand(file: string, given: readonly string[], json: boolean): Promise<number> {
  const parsed = given.map(parseThreshold); // a malformed --threshold fails before the file is read
  const result = await readResult(file);
  // Without --threshold, the scenario's own `thresholds` (k6 style), kept in the result's plan.
  const texts = given.length > 0 ? given : (result.plan.thresholds ?? []);
  if (texts.length === 0) {
    throw new CommbenchError(
      'E_USAGE',
      `check needs a threshold: none given and ${result.plan.name} declares none`,
      {
        hint: "e.g. commbench check result.json --threshold 'grpc.p99<2ms', or a thresholds: list in the scenario file",
      },
    );
  }
  const thresholds = given.length > 0 ? parsed : texts.map(parseThreshold);
  const outcomes = checkThresholds(result, thresholds);
  const crossed = outcomes.filter((o) => !o.passed);
  const flagged = flaggedPasses(outcomes);
  if (json) {
    const rows = outcomes.map((o) => ({
      threshold: o.threshold.text,
      case: o.caseLabel,
      passed: o.passed,
      line: formatOutcome(o),
    }));
    process.stdout.write(
      `${JSON.stringify({ passed: crossed.length === 0, outcomes: rows, ...(flagged ? { flagged } : {}) }, null, 2)}\n`,
    );
  } else {
    for (const o of outcomes) process.stdout.write(`${formatOutcome(o)}\n`);
    if (flagged !== undefined) process.stdout.write(`${flagged}\n`);
  }
  if (crossed.length === 0) {
    if (!json)
      process.stdout.write(
        `all ${outcomes.length} checks passed${given.length === 0 ? ` (the scenario's thresholds)` : ''}\n`,
      );
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
