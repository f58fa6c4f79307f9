/**
 * `commbench completion bash|zsh|fish`: a completion script generated from the program itself
 * (its commands and each one's options), so it cannot fall behind a new flag. Built-in scenario
 * and pattern names complete where a command takes one.
 */
import type { Command } from 'commander';
import { CommbenchError } from '../errors.js';
import { patternNames } from '../patterns/registry.js';
import { listBuiltinScenarios } from '../scenario/index.js';
import { examples } from './list.js';
import { didYouMean } from '../suggest.js';

export const shells = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof shells)[number];

/** What a completion script needs to know: each command with its options and what its argument is. */
export interface CompletionSpec {
  readonly commands: readonly {
    readonly name: string;
    readonly description: string;
    readonly options: readonly string[];
    /** Words offered for the first argument (scenario or pattern names), if any. */
    readonly words: readonly string[];
  }[];
}

/** The spec of `program`: its commands and their long options; scenario and pattern names as words. */
export async function completionSpec(program: Command): Promise<CompletionSpec> {
  const scenarios = (await listBuiltinScenarios()).map((s) => s.name);
  const wordsFor: Record<string, readonly string[]> = {
    run: scenarios,
    validate: scenarios,
    serve: patternNames,
    completion: shells,
  };
  return {
    commands: program.commands.map((c) => ({
      name: c.name(),
      description: c.description(),
      options: [...c.options.map((o) => o.long).filter((l): l is string => l !== undefined), '--help'],
      words: wordsFor[c.name()] ?? [],
    })),
  };
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The completion script for `shell`. */
export function completionScript(shell: Shell, spec: CompletionSpec): string {
  const names = spec.commands.map((c) => c.name);
  if (shell === 'bash') {
    const cases = spec.commands
      .map((c) => `    ${c.name}) opts=${quote([...c.options, ...c.words].join(' '))} ;;`)
      .join('\n');
    return `# commbench bash completion: eval "$(commbench completion bash)" in ~/.bashrc
_commbench() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]} opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${quote(names.join(' '))} -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
    *) opts='' ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -f -- "$cur"))
}
complete -o default -F _commbench commbench
`;
  }
  if (shell === 'zsh') {
    const cases = spec.commands
      .map((c) => `    ${c.name}) compadd -- ${[...c.options, ...c.words].map(quote).join(' ')}; _files ;;`)
      .join('\n');
    const described = spec.commands
      .map((c) => quote(`${c.name}:${c.description.replace(/:/g, ' ')}`))
      .join(' ');
    return `#compdef commbench
# commbench zsh completion: commbench completion zsh > "\${fpath[1]}/_commbench"
_commbench() {
  if (( CURRENT == 2 )); then
    local -a commands=(${described})
    _describe command commands
    return
  fi
  case "$words[2]" in
${cases}
  esac
}
compdef _commbench commbench
`;
  }
  const lines = [
    '# commbench fish completion: commbench completion fish > ~/.config/fish/completions/commbench.fish',
    'complete -c commbench -f',
    ...spec.commands.map(
      (c) =>
        `complete -c commbench -n '__fish_use_subcommand' -a ${quote(c.name)} -d ${quote(c.description.slice(0, 80))}`,
    ),
    ...spec.commands.flatMap((c) => [
      ...c.options.map(
        (o) =>
          `complete -c commbench -n '__fish_seen_subcommand_from ${c.name}' -l ${quote(o.replace(/^--/, ''))}`,
      ),
      ...(c.words.length > 0
        ? [`complete -c commbench -n '__fish_seen_subcommand_from ${c.name}' -a ${quote(c.words.join(' '))}`]
        : []),
      `complete -c commbench -n '__fish_seen_subcommand_from ${c.name}' -F`,
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** Registers `completion SHELL`. */
export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .argument('<shell>', shells.join(', '))
    .addHelpText(
      'after',
      examples(['commbench completion bash', 'commbench completion zsh', 'commbench completion fish']),
    )
    .action(async (shell: string) => {
      if (!(shells as readonly string[]).includes(shell)) {
        throw new CommbenchError(
          'E_USAGE',
          `no completion for shell '${shell}'${didYouMean(shell, shells)}`,
          {
            hint: `one of ${shells.join(', ')}, e.g. eval "$(commbench completion bash)"`,
          },
        );
      }
      process.stdout.write(completionScript(shell as Shell, await completionSpec(program)));
    });
}
