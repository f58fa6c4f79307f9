import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResult } from '../../test/fixtures/result.js';
import { checkResult } from './read-result.js';

test('a result written before cases carried loadInfo gets it from the load when read', () => {
  const result = makeResult();
  const strip = <T extends { loadInfo?: unknown }>(spec: T): T => {
    const { loadInfo: _, ...rest } = spec;
    return rest as T;
  };
  const old = {
    ...result,
    plan: { ...result.plan, cases: result.plan.cases.map(strip) },
    cases: result.cases.map((c) => ({ ...c, spec: strip(c.spec) })),
  };
  const read = checkResult(JSON.parse(JSON.stringify(old)), 'old.json');
  assert.deepEqual(
    read.cases.map((c) => c.spec.loadInfo),
    result.cases.map((c) => c.spec.loadInfo),
  );
  assert.deepEqual(read.plan.cases[0]?.loadInfo, result.plan.cases[0]?.loadInfo);
});
