import { examples } from './list.js';
import type { Command } from 'commander';
import { compareResults } from '../compare/compare.js';
import { parseFailOn, parseMetricList, parseThresholdPercent } from '../compare/gates.js';
import { renderComparisonJson, renderComparisonMarkdown, renderComparisonTable } from '../compare/render.js';
import { CommbenchError, ExitCode } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { outputError } from '../result/io.js';
import { readResult } from './read-result.js';
import { writeFileAtomic } from '../result/write.js';
import { resolve } from 'node:path';
import { reportError } from './style.js';

interface CompareFlags {
  threshold: string;
  failOn?: string;
  metrics?: string;
  normalize?: string;
  confidence: string;
  strict?: boolean;
  format: string;
  out?: string;
  json?: boolean;
}

/**
 * `commbench compare BASE HEAD`: change per case and metric with a confidence interval; exit 3 on a
 * regression or missing data, and with --strict on a gated metric that could not be tested.
 */
export function registerCompare(program: Command, setExit: (code: number) => void): void {
  program
    .command('compare')
    .description(
      'compare two result files; exit 3 when a gated metric regressed or a base case or gated metric is missing in the head (one repetition a side is not tested: "can\'t tell", exit 0 unless --strict)',
    )
    .argument('<base>', 'the baseline result file')
    .argument('<head>', 'the result file to judge')
    .addHelpText(
      'after',
      examples([
        'commbench compare base.json head.json',
        "commbench compare base.json head.json --fail-on 'p99:+10%,throughput:-5%' --format markdown",
        'commbench compare base.json head.json --normalize tcp --json',
      ]),
    )
    .option('--threshold <percent>', 'smallest change that counts as improved or regressed', '5%')
    .option(
      '--fail-on <list>',
      "metrics that fail, each with its own limit, e.g. 'p99:+10%,throughput:-5%' (default: every metric shown, at --threshold)",
    )
    .option('--metrics <list>', 'metrics to show (default throughput,p50,p99; --fail-on metrics are added)')
    .option(
      '--normalize <pattern>',
      'divide each case by this pattern (e.g. tcp) measured in the same run, to compare across machines',
    )
    .option('--confidence <level>', 'family-wise confidence of the gate, 0.5–0.999', '0.95')
    .option(
      '--strict',
      'also exit 3 when a gated metric could not be tested (fewer than 2 repetitions on a side: "can\'t tell")',
    )
    .option('--format <format>', 'table, markdown or json', 'table')
    .option('--json', 'the same as --format json')
    .option('--no-color', 'plain output (compare prints no colour; accepted everywhere for scripts)')
    .option(
      '--out <file>',
      "also write the comparison in --format to this file (the table still goes to stdout); '-' is stdout",
    )
    .action(async (base: string, head: string, flags: CompareFlags) => {
      setExit(await compareCommand(base, head, flags));
    });
}

async function compareCommand(basePath: string, headPath: string, flags: CompareFlags): Promise<number> {
  const threshold = parseThresholdPercent(flags.threshold);
  const confidence = Number(flags.confidence);
  if (!(confidence >= 0.5 && confidence <= 0.999)) {
    throw new CommbenchError('E_USAGE', `--confidence ${flags.confidence} is not between 0.5 and 0.999`, {
      hint: 'write a probability, e.g. --confidence 0.95',
    });
  }
  const asked = flags.json ? 'json' : flags.format.toLowerCase();
  const format = asked === 'md' ? 'markdown' : asked;
  if (format !== 'table' && format !== 'markdown' && format !== 'json') {
    throw new CommbenchError('E_USAGE', `--format ${flags.format}: compare writes table, markdown or json`, {
      hint: 'e.g. --format markdown >> "$GITHUB_STEP_SUMMARY"',
    });
  }
  const [base, head] = await Promise.all([readResult(basePath), readResult(headPath)]);
  const patterns = [...new Set(base.cases.map((c) => c.spec.pattern))];
  if (flags.normalize !== undefined && !patterns.includes(flags.normalize)) {
    throw new CommbenchError(
      'E_USAGE',
      `--normalize ${flags.normalize}: BASE has no ${flags.normalize} case${didYouMean(flags.normalize, patterns)}`,
      { hint: `normalize by a pattern both runs measured: ${patterns.join(', ')}` },
    );
  }
  const comparison = compareResults(base, head, {
    threshold,
    confidence,
    ...(flags.strict === true ? { strict: true } : {}),
    ...(flags.failOn === undefined ? {} : { failOn: parseFailOn(flags.failOn) }),
    ...(flags.metrics === undefined ? {} : { metrics: parseMetricList(flags.metrics) }),
    ...(flags.normalize === undefined ? {} : { normalize: flags.normalize }),
  });
  const rendered =
    format === 'json'
      ? renderComparisonJson(comparison)
      : format === 'markdown'
        ? renderComparisonMarkdown(comparison)
        : `${renderComparisonTable(comparison)}\n`;
  if (flags.out !== undefined && flags.out !== '-') {
    const out = flags.out;
    await writeFileAtomic(resolve(out), rendered).catch((err: unknown) => {
      throw outputError(out, err);
    });
    process.stdout.write(`${renderComparisonTable(comparison)}\n`);
  } else process.stdout.write(rendered);
  if (!comparison.failed) return ExitCode.ok;
  const missing = comparison.failures.filter((f) => f.untested !== true).length;
  const untested = comparison.failures.length - missing;
  const what = [
    ...(comparison.regressions > 0
      ? [`${comparison.regressions} gated metric${comparison.regressions === 1 ? '' : 's'} regressed`]
      : []),
    ...(missing > 0
      ? [`${missing} gated case${missing === 1 ? '' : 's'} or metric${missing === 1 ? '' : 's'} without data`]
      : []),
    ...(untested > 0
      ? [
          `${comparison.tooFew} gated metric${comparison.tooFew === 1 ? '' : 's'} not tested (fewer than 2 repetitions on a side; --strict)`,
        ]
      : []),
  ];
  return reportError(
    new CommbenchError('E_REGRESSION', what.join('; '), {
      details: comparison.failures.map(
        (f) => `${f.label} (${f.id})${f.metric ? ` ${f.metric}` : ''}: ${f.reason}`,
      ),
      hint:
        comparison.regressions === 0 && missing === 0
          ? 'run both sides with --repeat 5 so every gated metric has an interval, or drop --strict to let untested metrics pass with a warning'
          : missing > 0
            ? 'a gate never passes on data it does not have: rerun the head with every case of the base (see the FAILED line), or compare only the metrics both sides have (--metrics, --fail-on)'
            : 'the rows marked REGRESSED changed beyond the threshold with confidence; if the runner was slower, try --normalize tcp',
    }),
  );
}
