/**
 * The output flags every command shares: '-' is stdout, --json prints a summary a script can read,
 * `check` applies the scenario's own thresholds, `completion` prints a script the shell accepts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderJson } from '../../src/result/json.js';
import type { Result } from '../../src/result/types.js';
import { histogramResult } from '../fixtures/histograms.js';
import { assertBuilt, cli, tempDir } from './cli.js';

const dir = tempDir();
const withThresholds = (thresholds: string[]): Result => {
  const r = histogramResult();
  return { ...r, plan: { ...r.plan, thresholds } };
};
writeFileSync(join(dir, 'r.json'), renderJson(histogramResult()));
writeFileSync(join(dir, 'pass.json'), renderJson(withThresholds(['p99<10s', 'tcp.throughput>100'])));
writeFileSync(join(dir, 'fail.json'), renderJson(withThresholds(['p99<1us'])));

test('run --out - prints the result on stdout and the table on stderr; no file named -', async () => {
  assertBuilt();
  const r = await cli(
    ['run', 'smoke', '--pattern', 'tcp', '--duration', '300ms', '--warmup', '0ms', '--out', '-'],
    dir,
  ).done;
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as Result;
  assert.equal(result.plan.name, 'smoke');
  assert.match(r.stderr, /\nAnswer\n[\s\S]*\ncase +ops\/s/);
  assert.ok(!existsSync(join(dir, '-')), 'a file named - was written');
  const both = await cli(['run', 'smoke', '--out', '-', '--format', 'markdown'], dir).done;
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--out - prints the result on stdout/);
});

test('merge --out - prints the merged result on stdout', async () => {
  writeFileSync(join(dir, 'a.json'), renderJson(histogramResult()));
  writeFileSync(join(dir, 'b.json'), renderJson(histogramResult()));
  const r = await cli(['merge', 'a.json', 'b.json', '--out', '-'], dir).done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as Result).cases.length, histogramResult().cases.length);
  assert.ok(!existsSync(join(dir, '-')));
});

test('--json: report, list and validate print JSON on stdout', async () => {
  const report = await cli(['report', 'r.json', '--json'], dir).done;
  assert.equal(report.code, 0, report.stderr);
  const summary = JSON.parse(report.stdout) as {
    answer: { groups: unknown[] };
    rows: { case: string; p50Us: number }[];
  };
  assert.equal(summary.rows.length, 6);
  assert.ok(summary.rows.every((row) => row.p50Us > 0));
  assert.equal(summary.answer.groups.length, 2, 'a verdict per payload');
  const list = await cli(['list', '--json'], dir).done;
  const listed = JSON.parse(list.stdout) as { scenarios: { name: string; patterns: string[] }[] };
  assert.deepEqual(listed.scenarios.find((s) => s.name === 'smoke')?.patterns, ['tcp', 'rest', 'grpc']);
  const validate = await cli(['validate', 'rest-vs-grpc', '--json'], dir).done;
  assert.equal((JSON.parse(validate.stdout) as { cases: string[] }).cases.length, 11);
});

test("check without --threshold applies the scenario's thresholds; none at all is a usage error", async () => {
  const pass = await cli(['check', 'pass.json'], dir).done;
  assert.equal(pass.code, 0, pass.stdout + pass.stderr);
  assert.match(pass.stdout, /checks passed \(the scenario's thresholds\)/);
  const fail = await cli(['check', 'fail.json', '--json'], dir).done;
  assert.equal(fail.code, 3, fail.stdout + fail.stderr);
  assert.equal((JSON.parse(fail.stdout) as { passed: boolean }).passed, false);
  const none = await cli(['check', 'r.json'], dir).done;
  assert.equal(none.code, 2);
  assert.match(none.stderr, /declares none/);
});

test('completion scripts: bash parses, every command and its options are in it; a typo gets a suggestion', async () => {
  const bash = await cli(['completion', 'bash'], dir).done;
  assert.equal(bash.code, 0);
  assert.equal(spawnSync('bash', ['-n'], { input: bash.stdout }).status, 0, 'bash -n');
  for (const word of ['run', 'report', 'completion', '--wide', '--columns', 'rest-vs-grpc'])
    assert.match(bash.stdout, new RegExp(word));
  const probe = spawnSync(
    'bash',
    [
      '-c',
      `${bash.stdout}\nCOMP_WORDS=(commbench report --wi); COMP_CWORD=2; _commbench; echo "\${COMPREPLY[@]}"`,
    ],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(probe.stdout.trim(), '--wide');
  for (const shell of ['zsh', 'fish']) assert.equal((await cli(['completion', shell], dir).done).code, 0);
  const typo = await cli(['completion', 'bsh'], dir).done;
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /did you mean 'bash'\?/);
});

test('--open hands the HTML report to $BROWSER, and says so when none starts', async () => {
  const seen = join(dir, 'opened.txt');
  const browser = join(dir, 'browser.sh');
  writeFileSync(browser, `#!/bin/sh\necho "$1" > ${JSON.stringify(seen)}\n`, { mode: 0o755 });
  const r = await cli(['report', 'r.json', '--format', 'html', '--open'], dir, { env: { BROWSER: browser } })
    .done;
  assert.equal(r.code, 0, r.stderr);
  for (let i = 0; i < 50 && !existsSync(seen); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(readFileSync(seen, 'utf8').trim(), join(dir, 'r.html'));
  const none = await cli(['report', 'r.json', '--format', 'html', '--open'], dir, {
    env: { BROWSER: join(dir, 'no-such-browser') },
  }).done;
  assert.equal(none.code, 0);
  assert.match(none.stderr, /no browser to open it .*the report is .*r\.html/);
});
