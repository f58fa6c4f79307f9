import { mkdir } from 'node:fs/promises';
import { examples } from './list.js';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openInBrowser } from './open.js';
import { addTableFlags, tableOptions, type TableFlags } from './style.js';
import { CommbenchError, ExitCode } from '../errors.js';
import { parseFormats, renderFormat, reportFormats, type ReportFormat } from '../report/formats.js';
import { ensureWritableDir, outFolder, outputError } from '../result/io.js';
import { checkResult, readResult } from './read-result.js';
import type { Result } from '../result/types.js';
import { writeFileAtomic } from '../result/write.js';
import { renderSummaryJson } from '../report/summary-json.js';

interface ReportFlags extends TableFlags {
  format: string;
  open?: boolean;
  out?: string;
  color?: boolean;
}

/** `commbench report RESULT`: renders a result file in one or more formats. */
export function registerReport(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('report')
    .description('render a result file as a table, markdown, HTML, CSV, .hgrm or JSON')
    .argument('<result>', "a result file written by commbench run ('-' reads it from stdin)")
    .addHelpText(
      'after',
      examples([
        'commbench report result.json',
        'commbench report result.json --format markdown --out -',
        'commbench report result.json --format markdown,html --out report',
        'commbench report result.json --json',
        'commbench report - --wide < result.json',
      ]),
    )
    .option('--format <formats>', `comma-separated: ${reportFormats.join(', ')}`, 'table')
    .option(
      '--out <path>',
      "output file ('-' for stdout, one format); with several formats (or markdown's SVG extras, .hgrm per case) the files share its name without extension (default: one format to stdout, several beside the result)",
    )
    .option('--no-color', 'plain table output')
    .option('--open', 'open the HTML report in your browser ($BROWSER, else the system opener)');
  addTableFlags(command).action(async (file: string, flags: ReportFlags) => {
    setExit(await reportCommand(file, flags));
  });
}

/** Reads a result from a file, or from stdin when `file` is '-' (`commbench report - < r.json`). */
export async function readResultArg(file: string): Promise<Result> {
  if (file !== '-') return readResult(file);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CommbenchError(
      'E_RESULT_INVALID',
      text.trim() === '' ? 'no result on stdin' : `stdin is not valid JSON: ${(err as Error).message}`,
      { hint: 'pipe a result file in: commbench report - < results/<scenario>.json', cause: err },
    );
  }
  return checkResult(data, 'stdin');
}

async function reportCommand(file: string, flags: ReportFlags): Promise<number> {
  const formats = parseFormats(flags.format);
  if (flags.out === '-' && formats.length > 1) {
    throw new CommbenchError('E_USAGE', `--out - writes one format to stdout, got ${formats.join(', ')}`, {
      hint: 'give one --format with --out -, or a file name (--out report.md) for several',
    });
  }
  if (file === '-' && flags.out === undefined && formats.length > 1) {
    throw new CommbenchError('E_USAGE', 'several formats from stdin need --out to say where the files go', {
      hint: 'add --out <name> (e.g. --out results/report), or give one --format to print it',
    });
  }
  const result = await readResultArg(file);
  if (flags.json) {
    process.stdout.write(renderSummaryJson(result, file === '-' ? undefined : file));
    return ExitCode.ok;
  }
  // --open needs a file: the report goes beside the result instead of to stdout.
  if ((flags.out === '-' || (flags.out === undefined && !flags.open)) && formats.length === 1) {
    const format = formats[0]!;
    const files = renderFormat(result, format, format === 'table' ? tableOptions(flags) : {});
    const text =
      format === 'hgrm'
        ? files.map((f) => `# case: ${f.suffix.slice(1, -'.hgrm'.length)}\n${f.content}`).join('\n')
        : (files.find((f) => f.main)?.content ?? '');
    process.stdout.write(text);
    return ExitCode.ok;
  }
  // --out naming a folder: the files go inside it, named after the result file.
  const folder = flags.out !== undefined ? await outFolder(flags.out) : undefined;
  const base = folder
    ? join(folder, stripExtension(basename(file)))
    : stripExtension(resolve(flags.out ?? file));
  await ensureWritableDir(dirname(base), '--out');
  const written = await writeReports(
    result,
    formats,
    base,
    formats.length === 1 && flags.out !== undefined && !folder ? resolve(flags.out) : undefined,
    resolve(file),
  );
  for (const path of written) process.stderr.write(`wrote ${path}\n`);
  const html = written.find((p) => p.endsWith('.html'));
  if (flags.open && html !== undefined) await openInBrowser(html);
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
  await mkdir(dirname(base), { recursive: true }).catch((err: unknown) => {
    throw outputError(dirname(base), err);
  });
  const written: string[] = [];
  for (const format of formats) {
    for (const f of renderFormat(result, format, { baseName: basename(base) })) {
      const path = f.main && mainPath !== undefined && format !== 'hgrm' ? mainPath : `${base}${f.suffix}`;
      if (skip !== undefined && resolve(path) === resolve(skip)) continue; // never overwrite the result itself
      await writeFileAtomic(path, f.content).catch((err: unknown) => {
        throw outputError(path, err);
      });
      written.push(path);
    }
  }
  return written;
}
