/**
 * Gates never pass on missing data: `compare` of real result files (two short `commbench run`s) whose
 * head lacks a case of the base, and `check` of a case that crashed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { renderJson } from '../../src/result/json.js';
import { makeResult } from '../fixtures/result.js';
import { assertBuilt, cli, tempDir } from './cli.js';

let dir = '';
before(() => {
  assertBuilt();
  dir = tempDir();
});

const quick = ['--duration', '300ms', '--warmup', '100ms', '--connections', '2'];

test('compare: a base with two cases against a head with one exits 3 and names the missing case', async () => {
  const base = await cli(['run', 'smoke', '--pattern', 'tcp,rest', ...quick, '--out', 'base.json'], dir).done;
  assert.equal(base.code, 0, base.stderr);
  const head = await cli(['run', 'smoke', '--pattern', 'tcp', ...quick, '--out', 'head.json'], dir).done;
  assert.equal(head.code, 0, head.stderr);

  const table = await cli(['compare', 'base.json', 'head.json', '--threshold', '1000%'], dir).done;
  assert.equal(table.code, 3, table.stdout + table.stderr);
  assert.match(
    table.stdout,
    /FAILED: 1 gated case or metric without data: rest 256B \(rest\): missing in head/,
  );
  assert.doesNotMatch(table.stdout, /No regression/);
  assert.match(table.stderr, /1 gated case or metric without data[\s\S]*rest 256B[\s\S]*missing in head/);

  const md = await cli(
    ['compare', 'base.json', 'head.json', '--threshold', '1000%', '--format', 'markdown'],
    dir,
  ).done;
  assert.equal(md.code, 3);
  assert.match(md.stdout, /^### commbench compare: ❌ 1 missing or incomplete/);
  assert.match(md.stdout, /⚠️ FAILED: .*rest 256B.*missing in head/);

  // The other way round, a case new in the head is not missing: same data, exit 0.
  const grown = await cli(['compare', 'head.json', 'base.json', '--threshold', '1000%'], dir).done;
  assert.equal(grown.code, 0, grown.stdout + grown.stderr);
  assert.match(grown.stdout, /not compared: rest 256B .*only in head/);
});

test('check: a crashed case crosses every threshold on it, with the reason (exit 3)', async () => {
  writeFileSync(join(dir, 'crashed.json'), renderJson(makeResult()));
  const r = await cli(['check', 'crashed.json', '--threshold', 'websocket.p99<1s'], dir).done;
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /CROSSED {2}websocket 1KiB: p99 .* \(partial\) \(threshold < 1\.00s\): the case did not complete \(server-crashed: server process exited/,
  );
  assert.match(r.stderr, /websocket\.p99<1s: websocket 1KiB \(the case did not complete/);
});
