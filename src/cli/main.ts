import { Command, CommanderError } from 'commander';
import { CommbenchError, ExitCode, isCommbenchError } from '../errors.js';
import { packageVersion } from '../paths.js';
import { registerCheck } from './check.js';
import { registerClaims } from './claims.js';
import { registerCompare } from './compare.js';
import { registerList } from './list.js';
import { registerMerge } from './merge.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';
import { registerValidate } from './validate.js';

/** What a command returns: the process exit code. */
export type CommandResult = Promise<number>;

/**
 * The CLI: builds the commander program, runs it, and is the one place that turns errors into
 * messages and exit codes. Returns the exit code (bin/commbench.js sets it).
 */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command()
    .name('commbench')
    .description('Benchmark communication patterns side by side: what does each way of talking cost?')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const setExit = (code: number): void => {
    exitCode = code;
  };
  registerRun(program, setExit);
  registerValidate(program);
  registerList(program);
  registerServe(program, setExit);
  registerReport(program, setExit);
  registerCompare(program, setExit);
  registerCheck(program, setExit);
  registerMerge(program, setExit);
  registerClaims(program, setExit);
  try {
    await program.parseAsync(argv as string[]);
    return exitCode;
  } catch (err) {
    return reportError(err);
  }
}

/** Prints an error the way every command does: one line, details, a hint. Returns its exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed the message (or help/version, which are not errors).
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (isCommbenchError(err)) {
    const lines = [`commbench: ${err.message}`, ...err.details.map((d) => `  ${d}`)];
    if (err.hint) lines.push(`hint: ${err.hint}`);
    process.stderr.write(lines.join('\n') + '\n');
    return err.exitCode;
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(
    `commbench: internal error: ${message}\nhint: this is a bug; please report it with the command you ran\n`,
  );
  return ExitCode.internal;
}

export { CommbenchError };
