/**
 * Every command's --help ends with Examples, and each example runs as written: in a folder that
 * holds the files the examples name (result.json, base.json, …), through the built CLI, exit 0.
 * Examples that run load are shortened (300 ms windows, no warm-up, tcp only); `serve` is stopped
 * once it listens.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderJson } from '../../src/result/json.js';
import { histogramResult } from '../fixtures/histograms.js';
import { noisyResult } from '../fixtures/noisy.js';
import { assertBuilt, bin, cli, tempDir } from './cli.js';

/** The commands, as `commbench --help` lists them (claims runs minutes of load: its own tests cover it). */
const commands = ['run', 'validate', 'list', 'serve', 'report', 'compare', 'check', 'merge', 'completion'];

/** Splits an example as a shell would: quotes group words, `< file` is stdin. */
export function shellWords(line: string): { argv: string[]; stdin?: string } {
  const words: string[] = [];
  let stdin: string | undefined;
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  let redirect = false;
  for (const m of line.matchAll(re)) {
    const word = m[1] ?? m[2] ?? m[3]!;
    if (m[3] === '<') redirect = true;
    else if (redirect) {
      stdin = word;
      redirect = false;
    } else words.push(word);
  }
  return { argv: words, ...(stdin === undefined ? {} : { stdin }) };
}

function examplesOf(help: string): string[] {
  const at = help.indexOf('\nExamples:\n');
  if (at < 0) return [];
  return help
    .slice(at)
    .split('\n')
    .filter((l) => l.startsWith('  $ commbench '))
    .map((l) => l.slice('  $ '.length));
}

/** Where an example runs load, the same example made short. */
function shortened(argv: readonly string[]): string[] {
  if (argv[1] !== 'run') return [...argv];
  const out = [...argv, '--duration', '300ms', '--warmup', '0ms'];
  return argv.includes('--pattern') ? out : [...out, '--pattern', 'tcp'];
}

function folder(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'result.json'), renderJson(histogramResult()));
  const withThresholds = histogramResult();
  writeFileSync(
    join(dir, 'thresholds.json'),
    renderJson({
      ...withThresholds,
      plan: { ...withThresholds.plan, thresholds: ['p99<10s', 'tcp.throughput>100'] },
    }),
  );
  writeFileSync(join(dir, 'base.json'), renderJson(noisyResult({ seed: 1, reps: 5, noise: 0.03 })));
  writeFileSync(join(dir, 'head.json'), renderJson(noisyResult({ seed: 2, reps: 5, noise: 0.03 })));
  writeFileSync(join(dir, 'shard0.json'), renderJson(histogramResult()));
  writeFileSync(join(dir, 'shard1.json'), renderJson(histogramResult()));
  writeFileSync(
    join(dir, 'my-scenario.yaml'),
    'name: mine\ndefaults:\n  duration: 1s\n  load: { model: closed, connections: 2 }\ncases:\n  - pattern: tcp\n',
  );
  return dir;
}

/** Runs `serve` until it says where it listens, then stops it as Ctrl-C would. */
async function serveUntilListening(
  argv: readonly string[],
  cwd: string,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [bin, ...argv.slice(1)], { cwd });
  let out = '';
  let stopping = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!stopping && /listening on|"url"/.test(out)) {
      stopping = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, out };
}

test('every command has examples in its --help, and each runs as written (shortened where it runs load)', async () => {
  assertBuilt();
  const dir = folder();
  const ran: string[] = [];
  for (const command of commands) {
    const help = await cli([command, '--help'], dir).done;
    assert.equal(help.code, 0, `${command} --help: ${help.stderr}`);
    const examples = examplesOf(help.stdout);
    assert.ok(examples.length > 0, `commbench ${command} --help has no Examples`);
    for (const example of examples) {
      const { argv, stdin } = shellWords(example);
      assert.equal(argv[0], 'commbench');
      if (command === 'serve') {
        const r = await serveUntilListening(argv, dir);
        assert.equal(r.code, 0, `${example}:\n${r.out}`);
      } else {
        const run = cli(shortened(argv).slice(1), dir);
        if (stdin !== undefined) run.child.stdin!.end(readFileSync(join(dir, stdin)));
        else run.child.stdin!.end();
        const r = await run.done;
        assert.equal(r.code, 0, `${example} exited ${r.code}:\n${r.stderr.slice(-1500)}`);
        assert.doesNotMatch(r.stderr, /internal error/);
      }
      ran.push(example);
    }
  }
  assert.ok(ran.length >= 2 * commands.length, `only ${ran.length} examples`);
  // claims runs minutes of load (its own tests run it): its examples are checked to be there.
  const claims = await cli(['claims', '--help'], dir).done;
  assert.ok(examplesOf(claims.stdout).length > 0, 'commbench claims --help has no Examples');
});

test('examples split as the shell would', () => {
  assert.deepEqual(shellWords('commbench check r.json --threshold \'tcp.p99<1s\' -H "a b"'), {
    argv: ['commbench', 'check', 'r.json', '--threshold', 'tcp.p99<1s', '-H', 'a b'],
  });
  assert.deepEqual(shellWords('commbench report - --wide < result.json'), {
    argv: ['commbench', 'report', '-', '--wide'],
    stdin: 'result.json',
  });
});
