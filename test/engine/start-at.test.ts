/**
 * `startAt` (run --start-at): every repetition's load starts in its own wall-clock slot, so load
 * generators given the same plan and time run each case side by side.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochNow } from '../../src/engine/clock.js';
import { runPlan, slotGapMs } from '../../src/engine/runner.js';
import { caseSpec } from './helpers.js';

test('startAt: the first load starts at that time, each later repetition one slot after the previous', async () => {
  const cases = [
    caseSpec({ id: 'a', warmupMs: 100, durationMs: 300, repeat: 2 }),
    caseSpec({ id: 'b', warmupMs: 200, durationMs: 200 }),
  ];
  const startAt = Math.round(epochNow()) + 1500;
  const starts: { id: string; repetition: number; startAtEpoch: number; scheduledEpoch: number }[] = [];
  const result = await runPlan(
    { name: 'slots', description: '', source: 'test', cases },
    {
      startAt,
      hooks: { loadStarting: (spec, repetition, at) => starts.push({ id: spec.id, repetition, ...at }) },
    },
  );
  assert.deepEqual(
    result.cases.map((c) => c.status),
    ['ok', 'ok'],
  );
  // Rounds: a rep 1, b, then a rep 2 (repetitions spread across the run).
  const slot = 400 + slotGapMs;
  assert.deepEqual(
    starts.map((s) => [s.id, s.repetition, s.scheduledEpoch - startAt]),
    [
      ['a', 0, 0],
      ['b', 0, slot],
      ['a', 1, slot + 400 + slotGapMs],
    ],
  );
  for (const s of starts) {
    const late = s.startAtEpoch - s.scheduledEpoch;
    assert.ok(late >= 0 && late < 250, `${s.id} rep ${s.repetition} started ${late}ms after its slot`);
  }
});
