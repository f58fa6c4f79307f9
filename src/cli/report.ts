import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { useColor } from './style.js';
import { ExitCode } from '../errors.js';
import { parseFormats, renderFormat, reportFormats, type ReportFormat } from '../report/formats.js';
import { readResult } from '../result/io.js';
import type { Result } from '../result/types.js';

interface ReportFlags {
  format: string;
  out?: string;
  color?: boolean;
}

/** `commbench report RESULT`: renders a result file in one or more formats. */
export function registerReport(program: Command, setExit: (code: number) => void): void {
  program
    .command('report')
    .description('render a result file as a table, markdown, HTML, CSV, .hgrm or JSON')
    .argument('<result>', 'a result file written by commbench run')
    .option('--format <formats>', `comma-separated: ${reportFormats.join(', ')}`, 'table')
    .option(
      '--out <path>',
      'output file; with several formats (or markdown charts, .hgrm per case) the files share its name without extension (default: one format to stdout, several beside the result)',
    )
    .option('--no-color', 'plain table output')
    .action(async (file: string, flags: ReportFlags) => {
      setExit(await reportCommand(file, flags));
    });
}

async function reportCommand(file: string, flags: ReportFlags): Promise<number> {
  const formats = parseFormats(flags.format);
  const result = await readResult(file);
  if (flags.out === undefined && formats.length === 1) {
    const format = formats[0]!;
    const tty = process.stdout.isTTY === true;
    const files = renderFormat(result, format, {
      color: format === 'table' && useColor(process.stdout, flags.color),
      ...(tty ? { width: process.stdout.columns } : {}),
    });
    const text =
      format === 'hgrm'
        ? files.map((f) => `# case: ${f.suffix.slice(1, -'.hgrm'.length)}\n${f.content}`).join('\n')
        : (files.find((f) => f.main)?.content ?? '');
    process.stdout.write(text);
    return ExitCode.ok;
  }
  const base = flags.out !== undefined ? stripExtension(resolve(flags.out)) : stripExtension(resolve(file));
  const written = await writeReports(
    result,
    formats,
    base,
    formats.length === 1 && flags.out !== undefined ? resolve(flags.out) : undefined,
    resolve(file),
  );
  for (const path of written) process.stderr.write(`wrote ${path}\n`);
  return ExitCode.ok;
}

function stripExtension(path: string): string {
  const ext = extname(path);
  return ext === '' ? path : path.slice(0, -ext.length);
}

/**
 * Writes every file of `formats` at `base` + suffix ('results/smoke-2025.md', '….latency.svg');
 * `mainPath`, when given, replaces the main file's path (report --out x.md); a file that would land
 * on `skip` (the result file itself, for json beside it) is left out. Returns the paths written.
 */
export async function writeReports(
  result: Result,
  formats: readonly ReportFormat[],
  base: string,
  mainPath?: string,
  skip?: string,
): Promise<string[]> {
  await mkdir(dirname(base), { recursive: true });
  const written: string[] = [];
  for (const format of formats) {
    for (const f of renderFormat(result, format, { baseName: basename(base) })) {
      const path = f.main && mainPath !== undefined && format !== 'hgrm' ? mainPath : `${base}${f.suffix}`;
      if (skip !== undefined && resolve(path) === resolve(skip)) continue; // never overwrite the result itself
      await writeFile(path, f.content, 'utf8');
      written.push(path);
    }
  }
  return written;
}
