#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner and the tsx loader: first the
// tests that do not time anything, two files at a time; then, alone on the machine, the ones whose
// assertions are about timing (ground truth, Ctrl-C within a second, hop latency growth).
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern=contract) or select files.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const timingSensitive = new Set([
  'test/engine/ground-truth.test.ts',
  'test/engine/failures.test.ts',
  'test/cli/e2e.test.ts',
  'test/cli/gates.test.ts',
  'test/scenarios-architecture/scenarios.test.ts',
  'test/cli/shard.test.ts',
  'test/engine/knee-nginx.test.ts',
]);

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Runs one `node --test` phase, echoing its output; returns its exit code and pass/fail counts. */
function phase(files, concurrency, flags) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${concurrency}`,
        '--test-reporter=spec',
        ...flags,
        ...files,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      out += chunk.toString();
    });
    child.on('close', (code) => {
      const count = (name) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
      resolve({ code: code ?? 1, pass: count('pass'), fail: count('fail'), skipped: count('skipped') });
    });
  });
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const selected = files.length > 0 ? files : [...find('src'), ...find('test')].sort();
const parallel = selected.filter((f) => !timingSensitive.has(f.replaceAll('\\', '/')));
const serial = selected.filter((f) => timingSensitive.has(f.replaceAll('\\', '/')));

const results = [];
if (parallel.length > 0) results.push(await phase(parallel, 2, flags));
if (serial.length > 0) results.push(await phase(serial, 1, flags));
const total = (k) => results.reduce((a, r) => a + r[k], 0);
console.log(`\ntotal: ${total('pass')} passed, ${total('fail')} failed, ${total('skipped')} skipped`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
