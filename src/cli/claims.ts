import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { examples } from './list.js';
import { claims } from '../claims/claims.js';
import {
  renderClaimsHtml,
  renderClaimsJson,
  renderClaimsMarkdown,
  renderClaimsText,
  type ClaimsReport,
} from '../claims/render.js';
import { claimsPlan, claimsPlanName, judgeClaims } from '../claims/run.js';
import { runPlan } from '../engine/runner.js';
import { CommbenchError, ExitCode } from '../errors.js';
import { onInterrupt } from './interrupt.js';
import { claimOutPath, numberedResultPath, outputError, writeResultAtomic } from '../result/io.js';
import { readResult } from './read-result.js';
import { writeFileAtomic } from '../result/write.js';
import type { Result } from '../result/types.js';

interface ClaimsFlags {
  quick?: boolean;
  from?: string;
  only?: string;
  format: string;
  json?: boolean;
  out?: string;
  resultsDir: string;
}

const formats = ['markdown', 'html'] as const;

/**
 * `commbench claims`: runs the shortest honest version of every system-design claim (one plan, so
 * brokers start once), writes the result, and prints one verdict line per claim; `--from` judges an
 * existing claims result instead of running.
 */
export function registerClaims(program: Command, setExit: (code: number) => void): void {
  program
    .command('claims')
    .description(
      'check the system-design claims on this machine: holds / does not hold / mixed, with the numbers',
    )
    .addHelpText(
      'after',
      examples([
        'commbench claims --quick',
        'commbench claims --only grpc-smaller --quick',
        'commbench claims --from results/claims.json --format markdown',
        'commbench claims --from results/claims.json --json',
      ]),
    )
    .option('--quick', 'shortest windows (3–4 minutes on a busy 2-core machine)')
    .option('--from <result>', 'judge an existing claims result instead of running')
    .option('--only <ids>', `comma-separated claim ids: ${claims.map((c) => c.id).join(', ')}`)
    .option('--format <formats>', `also write these reports beside the result: ${formats.join(', ')}`, '')
    .option('--json', 'print the verdicts as JSON on stdout (the text report then goes to stderr)')
    .option('--out <file>', 'result file (default: <results-dir>/claims-<timestamp>.json)')
    .option('--results-dir <dir>', 'folder for result files', 'results')
    .action(async (flags: ClaimsFlags) => {
      setExit(await claimsCommand(flags));
    });
}

function chosenClaims(only: string | undefined) {
  if (!only) return claims;
  const ids = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = ids.filter((id) => !claims.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new CommbenchError(
      'E_USAGE',
      `unknown claim${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      {
        hint: `valid: ${claims.map((c) => c.id).join(', ')}`,
      },
    );
  }
  return claims.filter((c) => ids.includes(c.id));
}

function parseClaimFormats(text: string): (typeof formats)[number][] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((f) => !(formats as readonly string[]).includes(f));
  if (bad.length > 0) {
    throw new CommbenchError('E_USAGE', `unknown format ${bad.join(', ')} for claims`, {
      hint: `valid: ${formats.join(', ')}`,
    });
  }
  return list as (typeof formats)[number][];
}

async function runClaims(quick: boolean, chosen: typeof claims): Promise<Result> {
  const plan = await claimsPlan(quick, chosen);
  process.stderr.write(
    `claims: ${chosen.length} claims, ${plan.cases.length} cases${quick ? ' (--quick)' : ''}\n`,
  );
  const interrupt = onInterrupt(() => '\nstopping; the verdicts use what was measured (again to force)\n');
  try {
    return await runPlan(plan, {
      signal: interrupt.signal,
      hooks: {
        caseFinished: (c, index, total) =>
          process.stderr.write(
            `[${index + 1}/${total}] ${c.spec.id}: ${c.status}${c.error ? ` (${c.error.message})` : ''}\n`,
          ),
      },
    });
  } finally {
    interrupt.release();
  }
}

async function claimsCommand(flags: ClaimsFlags): Promise<number> {
  const chosen = chosenClaims(flags.only);
  const wanted = parseClaimFormats(flags.format);
  let result: Result;
  let out: string | undefined;
  if (flags.from) {
    result = await readResult(flags.from);
    if (result.plan.name !== claimsPlanName) {
      throw new CommbenchError(
        'E_USAGE',
        `${flags.from} is a '${result.plan.name}' result, not a claims result`,
        {
          hint: 'run commbench claims (it writes results/claims-<timestamp>.json) and pass that file',
        },
      );
    }
    out = resolve(flags.from);
  } else {
    const now = new Date();
    const claim = await claimOutPath(
      flags.out ?? join(flags.resultsDir, '/'),
      (folder, n) => numberedResultPath(folder, claimsPlanName, now, n),
      flags.out === undefined ? '--results-dir' : '--out',
    );
    out = claim.path;
    try {
      result = await runClaims(flags.quick === true, chosen);
      await writeResultAtomic(out, result).catch((err: unknown) => {
        throw outputError(claim.path, err);
      });
    } finally {
      await claim.release();
    }
  }
  const report: ClaimsReport = {
    outcomes: judgeClaims(result, chosen),
    environment: result.environment,
    wallMs: Date.parse(result.finishedAt) - Date.parse(result.startedAt),
    quick: result.plan.description.includes('quick'),
  };
  if (flags.json) {
    process.stderr.write(renderClaimsText(report));
    process.stdout.write(renderClaimsJson(report, out));
  } else process.stdout.write(renderClaimsText(report));
  for (const format of wanted) {
    const file = out.replace(/\.json$/, '') + (format === 'markdown' ? '.md' : '.html');
    await writeFileAtomic(
      file,
      format === 'markdown' ? renderClaimsMarkdown(report) : renderClaimsHtml(report),
    ).catch((err: unknown) => {
      throw outputError(file, err);
    });
    process.stderr.write(`${format}: ${file}\n`);
  }
  if (!flags.from) process.stderr.write(`result: ${out}\n`);
  return result.endReason === 'interrupted' ? ExitCode.interrupted : ExitCode.ok;
}
