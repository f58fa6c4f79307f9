/**
 * Terminal styling decisions for the CLI, in one place: whether a stream gets colour, and
 * commander's own usage errors rewritten in commbench's error style.
 */
import type { CommanderError } from 'commander';

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
