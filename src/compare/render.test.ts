import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectGolden } from '../../test/fixtures/golden.js';
import { noisyResult } from '../../test/fixtures/noisy.js';
import type { CaseResult, Result } from '../result/types.js';
import { compareResults } from './compare.js';
import {
  comparisonNotes,
  renderComparisonJson,
  renderComparisonMarkdown,
  renderComparisonTable,
} from './render.js';

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
    // All nine of throughput and latency; two of the three of serverCpu (the steadier figure).
    assert.equal(text.match(/n too small \(2\/2\)/g)?.length, 11, 'the wide intervals replaced');
    assert.doesNotMatch(text, /\d[kM]\/s/, 'throughput never abbreviated');
  }
  assert.match(table, /tcp 64B +throughput +\d{2},\d{3}\/s +\d{2},\d{3}\/s/);
  const json = JSON.parse(renderComparisonJson(c)) as {
    rows: { metrics: { high: number; informative: boolean }[] }[];
  };
  assert.ok(json.rows[0]!.metrics[0]!.high > 3, 'JSON keeps the computed bounds');
  assert.equal(json.rows[0]!.metrics[0]!.informative, false);
});

test("compare at n = 1: can't tell, an inconclusive title, the untested changes listed; flagged rows named", () => {
  const base = noisyResult({ seed: 51, reps: 1, noise: 0.02 });
  const head0 = noisyResult({ seed: 52, reps: 1, noise: 0.02, slower: { rest: 1.4 } });
  const driverLimited = (c: CaseResult): CaseResult => ({
    ...c,
    summary: {
      ...c.summary!,
      verdict: { limit: 'DRIVER-LIMITED', why: 'sends ran behind schedule', figures: {} },
    },
  });
  const head = {
    ...head0,
    cases: head0.cases.map((c) => (c.spec.pattern === 'grpc' ? driverLimited(c) : c)),
  };
  const c = compareResults(base, head, { threshold: 0.05 });
  const table = renderComparisonTable(c);
  assert.doesNotMatch(table, /REGRESSED|regressions?:/);
  assert.match(table, /rest 64B +throughput .* n too small \(1\/1\) +can't tell/);
  assert.match(
    table,
    /Inconclusive: no regression found, but 12 of 12 gated comparisons could not be tested \(1\/1/,
  );
  const notes = comparisonNotes(c)
    .map((n) => n.text)
    .join('\n');
  assert.match(
    notes,
    /Beyond the threshold but untested: rest 64B throughput -30\.1%, rest 64B p50 \+40\.9%/,
  );
  assert.match(
    notes,
    /flagged: grpc 64B \(head DRIVER-LIMITED\): a flagged row may measure the load generator/,
  );
  assert.doesNotMatch(table, /No regression in/);
  const md = renderComparisonMarkdown(c);
  assert.match(
    md,
    /^### commbench compare: ⚠️ inconclusive: 12 gated comparisons not tested \(1\/1 repetitions/,
  );
  assert.match(md, /\| ⚠️ can't tell \|/);
  const json = JSON.parse(renderComparisonJson(c)) as {
    tooFew: number;
    failed: boolean;
    rows: { flags: { head: string[] } }[];
  };
  assert.equal(json.tooFew, 12);
  assert.equal(json.failed, false);
  assert.deepEqual(json.rows[2]!.flags.head, ['DRIVER-LIMITED']);
});

test('--strict: the untested metrics fail under their own line and title, not as missing data', () => {
  const base = noisyResult({ seed: 61, reps: 1, noise: 0.02 });
  const head = noisyResult({ seed: 62, reps: 1, noise: 0.02 });
  const c = compareResults(base, head, { threshold: 0.05, strict: true });
  const notes = comparisonNotes(c).map((n) => n.text);
  assert.ok(
    notes.some((n) =>
      n.startsWith(
        'FAILED (--strict): 12 gated metrics not tested: tcp 64B throughput, p50, p99, serverCpu: not tested: 1/1',
      ),
    ),
  );
  assert.ok(!notes.some((n) => n.startsWith('FAILED: ')), 'not "without data"');
  assert.ok(notes.some((n) => /^Inconclusive: .* With --strict this fails the gate \(exit 3\)\.$/.test(n)));
  assert.match(renderComparisonMarkdown(c), /^### commbench compare: ❌ 12 not tested \(--strict\)\n/);
});
