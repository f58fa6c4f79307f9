import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectGolden } from '../../test/fixtures/golden.js';
import { noisyResult } from '../../test/fixtures/noisy.js';
import type { CaseResult, Result } from '../result/types.js';
import { compareResults } from './compare.js';
import { renderComparisonJson, renderComparisonMarkdown, renderComparisonTable } from './render.js';

test('compare renders as table, markdown and JSON (goldens compare.txt, compare.md)', async () => {
  // grpc with 2 noisy repetitions a side (its interval says "n too small"); a base case the head lacks.
  const grpcOf = (seed: number): CaseResult =>
    noisyResult({ seed, reps: 2, noise: 0.2, patterns: ['grpc'] }).cases[0]!;
  const withGrpc = (r: Result, grpc: CaseResult): Result => ({
    ...r,
    cases: r.cases.map((c) => (c.spec.pattern === 'grpc' ? grpc : c)),
  });
  const rest = noisyResult({ seed: 11, reps: 5, noise: 0.03 }).cases.find((c) => c.spec.pattern === 'rest')!;
  const extra: CaseResult = {
    ...rest,
    spec: { ...rest.spec, id: 'rest closed c=32 1KiB', payload: { size: 1024, shape: 'mixed' } },
  };
  const base0 = withGrpc(noisyResult({ seed: 11, reps: 5, noise: 0.03 }), grpcOf(13));
  const base = { ...base0, cases: [...base0.cases, extra] };
  const head = withGrpc(
    noisyResult({ seed: 12, reps: 5, noise: 0.03, slower: { rest: 1.3 }, machine: 1.1 }),
    grpcOf(14),
  );
  const c = compareResults(base, head, { threshold: 0.05, normalize: 'tcp' });
  await expectGolden('compare.txt', renderComparisonTable(c));
  const md = renderComparisonMarkdown(c);
  await expectGolden('compare.md', md);
  assert.match(md, /❌ \*\*REGRESSED\*\*/);
  assert.match(md, /\| n too small \(2\/2\) \|/);
  assert.match(
    md,
    /FAILED: 1 gated case or metric without data: rest 1KiB \(rest closed c=32 1KiB\): missing in head/,
  );
  assert.doesNotMatch(md, /e\+\d/, 'no exponent notation');
  const json = JSON.parse(renderComparisonJson(c)) as { regressions: number; rows: unknown[] };
  assert.equal(json.regressions, c.regressions);
  assert.equal(json.rows.length, 2);
});

test('compare at n = 2: no interval that says nothing ("n too small" instead); one number format', () => {
  const base = noisyResult({ seed: 1, reps: 2, noise: 0.05 });
  const head = noisyResult({ seed: 2, reps: 2, noise: 0.05 });
  const c = compareResults(base, head, { threshold: 0.05 });
  const table = renderComparisonTable(c);
  const md = renderComparisonMarkdown(c);
  for (const text of [table, md]) {
    // Every shown interval spans at most ×4 from low to high; the raw ones here run to +30000%.
    for (const [, low, high] of text.matchAll(/([+-][\d.]+)% … ([+-][\d.]+)%/g))
      assert.ok((1 + Number(high) / 100) / (1 + Number(low) / 100) <= 4, `${low}% … ${high}% shown`);
    assert.equal(text.match(/n too small \(2\/2\)/g)?.length, 9, 'all nine intervals replaced');
    assert.doesNotMatch(text, /\d[kM]\/s/, 'throughput never abbreviated');
  }
  assert.match(table, /tcp 64B +throughput +\d{2},\d{3}\/s +\d{2},\d{3}\/s/);
  const json = JSON.parse(renderComparisonJson(c)) as {
    rows: { metrics: { high: number; informative: boolean }[] }[];
  };
  assert.ok(json.rows[0]!.metrics[0]!.high > 3, 'JSON keeps the computed bounds');
  assert.equal(json.rows[0]!.metrics[0]!.informative, false);
});
