import assert from 'node:assert/strict';
import { test } from 'node:test';
import stringWidth from 'string-width';
import { makeResult } from '../../test/fixtures/result.js';
import { renderTable, truncate, wrap } from './table.js';

test('a table with wide characters fits the terminal in display columns, not code points', () => {
  const base = makeResult();
  const wide = {
    ...base,
    cases: base.cases.map((c) => ({ ...c, spec: { ...c.spec, id: `日本語のケース ${c.spec.id}` } })),
  };
  for (const width of [110, 120]) {
    const lines = renderTable(wide, { width }).split('\n');
    assert.ok(lines.some((l) => l.includes('日本語')));
    for (const l of lines) assert.ok(stringWidth(l) <= width, `${stringWidth(l)} > ${width}: ${l}`);
  }
});

test('truncate and wrap count terminal columns: wide characters two, escape codes none', () => {
  assert.equal(truncate('日本語テキスト', 7), '日本語…');
  assert.equal(stringWidth(truncate('日本語テキスト', 7)), 7);
  assert.equal(truncate('abc', 3), 'abc');
  assert.deepEqual(wrap('日本 語語 テキスト', 9, '  '), ['日本 語語', '  テキスト']);
  assert.deepEqual(wrap('\u001b[2mdim\u001b[22m words here', 9), ['\u001b[2mdim\u001b[22m words', 'here']);
});
