import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CommbenchError } from '../errors.js';
import { renderJson } from './json.js';
import { makeResult } from '../../test/fixtures/result.js';
import { defaultResultPath, readResultFile, writeResultAtomic } from './io.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commbench-io-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejectsWith(promise: Promise<unknown>, message: RegExp, hint: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof CommbenchError);
    assert.equal(err.code, 'E_RESULT_INVALID');
    assert.match(err.message, message);
    assert.match(err.hint ?? '', hint);
    return true;
  });
}

test('writeResultAtomic creates the directory, writes the JSON and leaves no temp file', async () => {
  const path = join(dir, 'nested', 'deeper', 'r.json');
  const result = makeResult();
  await writeResultAtomic(path, result);
  assert.equal(await readFile(path, 'utf8'), renderJson(result));
  assert.deepEqual(await readdir(join(dir, 'nested', 'deeper')), ['r.json']);
  assert.deepEqual(await readResultFile(path), result);
});

test('writeResultAtomic replaces an existing file whole', async () => {
  const path = join(dir, 'replace.json');
  await writeFile(path, 'old and much longer content '.repeat(10_000));
  await writeResultAtomic(path, makeResult());
  assert.deepEqual(await readResultFile(path), makeResult());
});

test('readResultFile: a missing file says where results are written', async () => {
  await rejectsWith(
    readResultFile(join(dir, 'nope.json')),
    /no result file at .*nope\.json/,
    /commbench run/,
  );
});

test('readResultFile: bad JSON', async () => {
  const path = join(dir, 'bad.json');
  await writeFile(path, '{"schemaVersion": 1, "cases": [');
  await rejectsWith(readResultFile(path), /is not valid JSON/, /damaged/);
});

test('readResultFile: not a commbench result', async () => {
  const path = join(dir, 'other.json');
  await writeFile(path, JSON.stringify({ hello: 'world' }));
  await rejectsWith(readResultFile(path), /is not a commbench result/, /commbench run/);
});

test('readResultFile: another schemaVersion names the versions and what to do', async () => {
  const path = join(dir, 'v2.json');
  await writeFile(
    path,
    JSON.stringify({ ...makeResult(), schemaVersion: 3, tool: { name: 'commbench', version: '9.0.0' } }),
  );
  await rejectsWith(
    readResultFile(path),
    /schemaVersion 3; this commbench reads schemaVersion 1 to 2/,
    /commbench 9\.0\.0.*upgrade/,
  );
  await writeFile(path, JSON.stringify({ ...makeResult(), schemaVersion: undefined }));
  await rejectsWith(readResultFile(path), /schemaVersion undefined/, /re-run/);
});

test('readResultFile: structural problems are listed all at once', async () => {
  const path = join(dir, 'broken.json');
  const { cases: _cases, ...rest } = makeResult();
  await writeFile(path, JSON.stringify({ ...rest, endReason: 'exploded', cases: [{ spec: {} }] }));
  await assert.rejects(readResultFile(path), (err: unknown) => {
    assert.ok(err instanceof CommbenchError);
    assert.deepEqual(err.details, [
      '"endReason" must be completed, interrupted or failed',
      'cases[0].spec.id is missing',
    ]);
    return true;
  });
});

test('defaultResultPath: safe name and local timestamp', () => {
  const date = new Date(2025, 2, 4, 5, 6, 7);
  assert.equal(
    defaultResultPath('results', 'rest-vs-grpc', date),
    join('results', 'rest-vs-grpc-20250304-050607.json'),
  );
  assert.equal(
    defaultResultPath('out', '../My scenario: v2/¡ñ!', date),
    join('out', 'My-scenario-v2-n-20250304-050607.json'),
  );
  assert.equal(defaultResultPath('out', '///', date), join('out', 'result-20250304-050607.json'));
});
