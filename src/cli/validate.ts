import type { Command } from 'commander';
import { examples } from './list.js';
import type { CommbenchError } from '../errors.js';
import { isCommbenchError } from '../errors.js';
import { estimatePlanMs, loadPlan, type Plan } from '../scenario/index.js';

export type ValidateOutcome =
  | { readonly ok: true; readonly lines: string[]; readonly plan: Plan }
  | { readonly ok: false; readonly lines: string[]; readonly error: CommbenchError };

/**
 * Validates a scenario file or built-in name without running anything. On success `lines` are
 * 'FILE: valid, N cases (about Ms)', 'warning: file:line:col: ...' lines, and one line per case id; on a scenario problem (invalid,
 * not found) `lines` are the message and every problem. Other errors are thrown.
 */
export async function validateCommand(file: string): Promise<ValidateOutcome> {
  const warnings: string[] = [];
  try {
    const plan = await loadPlan(file, undefined, { warn: (w) => warnings.push(w) });
    const n = plan.cases.length;
    const seconds = Math.ceil(estimatePlanMs(plan) / 1000);
    const lines = [`${file}: valid, ${n} case${n === 1 ? '' : 's'} (about ${seconds}s to run)`, ...warnings];
    for (const c of plan.cases) lines.push(`  ${c.id}`);
    return { ok: true, lines, plan };
  } catch (err) {
    if (isCommbenchError(err) && (err.code === 'E_SCENARIO_INVALID' || err.code === 'E_SCENARIO_NOT_FOUND')) {
      return { ok: false, lines: [`${err.message}`, ...err.details.map((d) => `  ${d}`)], error: err };
    }
    throw err;
  }
}

/** `commbench validate FILE`: prints the cases, or throws the CommbenchError (exit code 2). */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a scenario file (or built-in name) and list the cases it expands to')
    .addHelpText(
      'after',
      examples(['commbench validate my-scenario.yaml', 'commbench validate rest-vs-grpc --json']),
    )
    .argument('<file>', 'scenario file (.yaml, .json) or built-in name')
    .option('--json', 'print the plan as JSON on stdout (case ids, estimated time)')
    .option('--no-color', 'plain output (validate prints no colour; accepted everywhere for scripts)')
    .action(async (file: string, flags: { json?: boolean }) => {
      const outcome = await validateCommand(file);
      if (!outcome.ok) throw outcome.error;
      if (flags.json) {
        const plan = outcome.plan;
        const json = {
          file,
          valid: true,
          name: plan.name,
          cases: plan.cases.map((c) => c.id),
          estimateMs: estimatePlanMs(plan),
          ...(plan.thresholds ? { thresholds: plan.thresholds } : {}),
        };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else process.stdout.write(outcome.lines.join('\n') + '\n');
    });
}
