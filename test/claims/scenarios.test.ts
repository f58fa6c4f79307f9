import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPlan } from '../../src/engine/runner.js';
import { buildSummary, type SummaryTable } from '../../src/report/model.js';
import { loadPlan } from '../../src/scenario/index.js';

/**
 * The claim scenarios (issue 14) in a short form: every case runs and every cell of its table is
 * measured; where the claim predicts an outcome, it is asserted.
 */

const short = { duration: '300ms', warmup: '100ms' } as const;

/** Every row ran ok with operations, no errors, and no empty cell (flags and detail may be empty). */
export function assertAllMeasured(table: SummaryTable): void {
  for (const row of table.rows) {
    const id = row.spec.id;
    assert.equal(row.result?.status, 'ok', `${id}: ${row.result?.error?.message ?? 'not run'}`);
    for (const [key, cell] of Object.entries(row.cells)) {
      if (key === 'flags' || key === 'detail') continue;
      assert.ok(cell !== '' && cell !== '-', `${id}: column ${key} is '${cell}'`);
    }
    const m = row.result?.summary;
    assert.ok(m && m.ops > 0, `${id}: no operations`);
    assert.equal(m.errors.total, 0, `${id}: ${JSON.stringify(m.errorSamples)}`);
  }
}

describe('claim scenarios, short form', { timeout: 120_000 }, () => {
  it('http2-vs-websocket: websocket echo, rest-h2 and rest at 1 and 32 in flight, every cell measured', async () => {
    const plan = await loadPlan('http2-vs-websocket', short);
    assert.deepEqual(
      plan.cases.map((c) => `${c.pattern} ${c.load.connections}x${c.load.inFlight}`),
      ['websocket 1x1', 'rest-h2 1x1', 'rest 1x1', 'websocket 1x32', 'rest-h2 1x32', 'rest 32x1'],
    );
    const table = buildSummary(await runPlan(plan));
    assert.equal(table.rows.length, 6);
    assertAllMeasured(table);
  });
});
