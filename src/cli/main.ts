import { Command } from 'commander';
import { CommbenchError, ExitCode } from '../errors.js';
import { packageVersion } from '../paths.js';
import { registerCheck } from './check.js';
import { registerClaims } from './claims.js';
import { registerCompare } from './compare.js';
import { registerCompletion } from './completion.js';
import { registerList } from './list.js';
import { registerMerge } from './merge.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';
import { reportError } from './style.js';
import { registerValidate } from './validate.js';

/** What a command returns: the process exit code. */
export type CommandResult = Promise<number>;

/**
 * The CLI: builds the commander program, runs it, and is the one place that turns errors into
 * messages and exit codes. Returns the exit code (bin/commbench.js sets it).
 */
export async function main(argv: readonly string[]): Promise<number> {
  ignoreClosedReader();
  let exitCode: number = ExitCode.ok;
  const program = new Command()
    .name('commbench')
    .description('Benchmark communication patterns side by side: what does each way of talking cost?')
    .version(packageVersion())
    .exitOverride()
    // Usage errors are printed by reportError in commbench's style; help and version still go out.
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} });
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
  registerCompletion(program);
  try {
    await program.parseAsync(argv as string[]);
    return exitCode;
  } catch (err) {
    const command = program.commands.find((c) => c.name() === argv[2])?.name();
    return reportError(err, command);
  }
}

export { CommbenchError };

/**
 * A reader that goes away (`commbench run --help | head`, a closed pager) makes the next write to
 * stdout or stderr fail with EPIPE, an unhandled 'error' that ended the process with a stack trace.
 * What was not read is dropped; a run goes on and still writes its result file.
 */
function ignoreClosedReader(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}
