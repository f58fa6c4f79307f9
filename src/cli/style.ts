/**
 * Terminal styling decisions for the CLI, in one place: whether a stream gets colour, and
 * commander's own usage errors rewritten in commbench's error style, and reportError, which turns
 * any error into commbench's message and exit code (main.ts and the commands that report their own).
 */
import { CommanderError, type Command } from 'commander';
import { ExitCode, isCommbenchError } from '../errors.js';
import { parseColumns, type TableOptions } from '../report/table.js';

/** A writable stream as far as colour is concerned (process.stdout / stderr, or a test double). */
export interface ColorStream {
  readonly isTTY?: boolean;
  hasColors?(): boolean;
}

/**
 * Colour on `stream`? `--no-color` (flag false) always wins; then FORCE_COLOR (any value but '0'
 * or 'false' forces it on, even into a pipe); then NO_COLOR (set and non-empty: off, no-color.org);
 * else only on a terminal that has colours (Node's TERM / NODE_DISABLE_COLORS checks).
 */
export function useColor(stream: ColorStream, flag?: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (stream.isTTY !== true) return false;
  return stream.hasColors?.() ?? true;
}

/**
 * commander's message ("error: unknown option '--bogus'\n(Did you mean --out?)") as commbench
 * prints every error: `commbench: <message>` and a hint naming the help to read.
 */
export function commanderErrorLines(err: CommanderError, command: string | undefined): string[] {
  const [first = '', ...rest] = err.message.split('\n');
  const message = first.replace(/^error:\s*/, '');
  const suggestion = rest
    .map((l) => l.trim().replace(/^\((.*)\)$/, '$1'))
    .filter((l) => l !== '')
    .map((l) => l.charAt(0).toLowerCase() + l.slice(1));
  const help = command ? `commbench ${command} --help` : 'commbench --help';
  return [
    `commbench: ${message}${suggestion.length > 0 ? ` (${suggestion.join('; ')})` : ''}`,
    `hint: ${err.code === 'commander.unknownCommand' ? 'commbench --help lists the commands' : `${help} lists its options and arguments`}`,
  ];
}

/** Width the terminal table fits when nothing says otherwise: a pipe or a CI log. */
export const pipeWidth = 160;

/** The width to fit: the terminal's, else COLUMNS (a positive integer), else `pipeWidth`. */
export function tableWidth(
  stream: { readonly isTTY?: boolean; readonly columns?: number },
  env: NodeJS.ProcessEnv = process.env,
): number {
  if (stream.isTTY === true && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : pipeWidth;
}

/** The flags of every command that prints the summary table. */
export interface TableFlags {
  wide?: boolean;
  columns?: string;
  json?: boolean;
}

/** Adds --json, --wide and --columns to a command that prints the summary table. */
export function addTableFlags(command: Command): Command {
  return command
    .option(
      '--json',
      'print a JSON summary on stdout (the answer and one object per case) instead of the table',
    )
    .option('--wide', 'the table with every column on one line per case (no width limit)')
    .option(
      '--columns <list>',
      'table columns after the case, comma-separated, e.g. p50,p99,payload,srv-cpu (load, ops/s, p50, p99, p99.9, max, payload, wire, srv-cpu, drv-cpu, errors, detail, flags)',
    );
}

/** TableOptions for stdout from the flags: colour, width, --wide, --columns. */
export function tableOptions(flags: TableFlags & { color?: boolean }): TableOptions {
  return {
    color: useColor(process.stdout, flags.color),
    width: tableWidth(process.stdout),
    ...(flags.wide ? { wide: true } : {}),
    ...(flags.columns === undefined ? {} : { columns: parseColumns(flags.columns) }),
  };
}

/** Prints an error the way every command does: one line, details, a hint. Returns its exit code. */
export function reportError(err: unknown, command?: string): number {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return ExitCode.ok; // help or version, already printed
    // 'commander.help': help shown on stderr for a missing command; the rest are usage errors.
    if (err.code !== 'commander.help')
      process.stderr.write(commanderErrorLines(err, command).join('\n') + '\n');
    return ExitCode.usage;
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
