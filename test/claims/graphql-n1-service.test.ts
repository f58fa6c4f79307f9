import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPlan } from '../../src/engine/runner.js';
import { planFromText } from '../../src/scenario/index.js';

/**
 * graphql-n1 with `backend: service`: the data lives in a separate process (the call chain's REST
 * service), so each backend call is a real HTTP call whose CPU is measured with the server's.
 * Resolving 100 authors one by one costs 101 calls a query, DataLoader 2: the per-item query must
 * cost the server side (GraphQL + data service) clearly more CPU, and the data service is reported.
 */
describe('graphql-n1 with the data behind a separate service', { timeout: 60_000 }, () => {
  it('per item costs more server CPU per query than DataLoader; the data service is a measured helper', async () => {
    const plan = await planFromText(
      JSON.stringify({
        name: 'n1-service',
        defaults: {
          duration: '1s',
          warmup: '300ms',
          load: { model: 'closed', connections: 4, inFlight: 1 },
          payload: { size: 64 },
        },
        cases: ['none', 'dataloader'].map((loader) => ({
          pattern: 'graphql-n1',
          options: { 'graphql-n1': { items: 100, loader, backend: 'service' } },
        })),
      }),
      { file: 'n1-service' },
    );
    const result = await runPlan(plan);
    const [perItem, batched] = result.cases.map((c) => {
      assert.equal(c.status, 'ok', `${c.spec.id}: ${c.error?.message ?? ''}`);
      const m = c.summary;
      assert.ok(m && m.ops > 0 && m.errors.total === 0, `${c.spec.id}: every query answered with its calls`);
      const helpers = m.server?.helpers ?? [];
      assert.equal(helpers.length, 1, `${c.spec.id}: one data service`);
      assert.ok(
        helpers[0]?.role.startsWith('data service') && (helpers[0]?.cpuUs ?? 0) > 0,
        JSON.stringify(helpers),
      );
      return m.server?.cpuUsPerOp ?? 0;
    });
    assert.ok(
      (perItem ?? 0) > 2 * (batched ?? 0),
      `srv CPU per query: per item ${perItem} µs, DataLoader ${batched} µs`,
    );
  });
});
