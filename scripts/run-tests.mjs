#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner and the tsx loader.
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern=contract) or select files.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const selected = files.length > 0 ? files : [...find('src'), ...find('test')].sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...flags, ...selected],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
