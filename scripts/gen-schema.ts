/**
 * Writes scenarios/schema.json from the zod scenario schema (`npm run schema`), including each
 * pattern's own options. `--check` exits 1 instead of writing when the file is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ZodType } from 'zod';
import { loadPattern, patternNames, type PatternName } from '../src/patterns/registry.js';
import { builtinDir } from '../src/scenario/load.js';
import { scenarioJsonSchema } from '../src/scenario/schema.js';

export const schemaPath = join(builtinDir, 'schema.json');

/** The text schema.json must have: pretty JSON with a final newline. */
export async function generateSchemaText(): Promise<string> {
  const patternSchemas: Partial<Record<PatternName, ZodType>> = {};
  for (const name of patternNames) {
    try {
      patternSchemas[name] = (await loadPattern(name)).options;
    } catch {
      // A pattern that does not load yet gets an open options object.
    }
  }
  return `${JSON.stringify(scenarioJsonSchema(patternSchemas), null, 2)}\n`;
}

async function main(): Promise<void> {
  const text = await generateSchemaText();
  if (process.argv.includes('--check')) {
    const current = await readFile(schemaPath, 'utf8').catch(() => '');
    if (current !== text) {
      process.stderr.write(`${schemaPath} is out of date: run npm run schema\n`);
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(schemaPath, text);
  process.stdout.write(`wrote ${schemaPath}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
