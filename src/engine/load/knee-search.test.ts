import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeKnee,
  judgeStep,
  kneeState,
  roundRate,
  type JudgedStep,
  type KneeSettings,
  type StepOutcome,
} from './knee-search.js';

const settings: KneeSettings = {
  from: 500,
  to: 64_000,
  factor: 2,
  refine: 3,
  bracket: 0.05,
  below: 3,
  p99Ms: 50,
  maxSteps: 20,
};

/** A server that serves `capacity`/s: below it p99 is 2 ms, above it the queue grows and p99 with it. */
function serve(capacity: number, rate: number, driverCeiling = Infinity): StepOutcome {
  const sent = rate * 2;
  if (rate > driverCeiling) {
    return {
      rate,
      throughput: driverCeiling,
      p99Us: 3000,
      sent,
      dropped: 0,
      errors: 0,
      queued: 0,
      driverLate: true,
      driverLimited: true,
    };
  }
  if (rate <= capacity) {
    return {
      rate,
      throughput: rate,
      p99Us: 2000,
      sent,
      dropped: 0,
      errors: 0,
      queued: 0,
      driverLate: false,
      driverLimited: false,
    };
  }
  return {
    rate,
    throughput: capacity,
    p99Us: 400_000,
    sent,
    dropped: 0,
    errors: 0,
    queued: Math.round(sent * 0.3),
    driverLate: false,
    driverLimited: false,
  };
}

/** Runs the whole search against `serve` and returns the judged steps. */
function search(capacity: number, driverCeiling = Infinity, s = settings): JudgedStep[] {
  const steps: JudgedStep[] = [];
  for (let state = kneeState(s, steps); state.next !== undefined; state = kneeState(s, steps)) {
    steps.push(judgeStep(s, serve(capacity, state.next, driverCeiling)));
  }
  return steps;
}

describe('knee search', () => {
  it('doubles while the objective holds, confirms every break by a re-run, then bisects to the knee', () => {
    const steps = search(5000);
    assert.deepEqual(
      steps.map((s) => [s.rate, s.met]),
      [
        [500, true],
        [1000, true],
        [2000, true],
        [4000, true],
        [8000, false],
        [8000, false],
        [6000, false],
        [6000, false],
        [5000, true],
        [5500, false],
        [5500, false],
      ],
    );
    const state = kneeState(settings, steps);
    assert.equal(state.end, 'knee');
    assert.equal(state.capacity, 5000);
    assert.match(
      describeKnee(settings, steps),
      /^capacity 5,000\/s \(p99 ≤ 50 ms; broke at 5,500\/s \(2 runs\): p99 400\.0 ms > 50 ms/,
    );
  });

  it('is bounded: at most maxSteps steps, and it says the search stopped', () => {
    const steps = search(1e9, Infinity, { ...settings, to: 1e12, maxSteps: 4 });
    assert.equal(steps.length, 4);
    assert.equal(kneeState({ ...settings, to: 1e12, maxSteps: 4 }, steps).end, 'steps');
  });

  it('stops at the ceiling with "at least" when the highest rate still meets the objective', () => {
    const steps = search(1e9);
    assert.equal(steps.at(-1)?.rate, 64_000);
    const state = kneeState(settings, steps);
    assert.equal(state.end, 'ceiling');
    assert.match(describeKnee(settings, steps), /capacity ≥ 64,000\/s/);
  });

  it('a driver-limited step ends the search with a lower bound, blamed on the driver', () => {
    const steps = search(50_000, 3000);
    assert.deepEqual(
      steps.map((s) => s.rate),
      [500, 1000, 2000, 4000],
    );
    const state = kneeState(settings, steps);
    assert.equal(state.end, 'driver');
    assert.equal(state.capacity, 2000);
    assert.match(describeKnee(settings, steps), /capacity ≥ 2,000\/s: DRIVER-LIMITED above it/);
  });

  it('a driver-limited first step leads lower, never to "capacity unknown"', () => {
    const steps = search(50_000, 300);
    assert.deepEqual(
      steps.map((s) => s.rate),
      [500, 250, 380],
    );
    const state = kneeState(settings, steps);
    assert.equal(state.end, 'driver');
    assert.equal(state.capacity, 250);
    assert.doesNotMatch(describeKnee(settings, steps), /unknown/);
  });

  it('when every rate down to from ÷ factor^below breaks, says "capacity <" the lowest (floor)', () => {
    const steps = search(10);
    assert.deepEqual(
      steps.map((s) => s.rate),
      [500, 500, 250, 250, 130, 130, 65, 65],
    );
    assert.equal(kneeState(settings, steps).end, 'floor');
    assert.match(describeKnee(settings, steps), /^capacity < 65\/s: every rate down to it broke/);
  });

  it('judges every part of the objective', () => {
    const ok = serve(1e9, 1000);
    assert.deepEqual(judgeStep(settings, ok).broke, []);
    assert.match(judgeStep(settings, { ...ok, dropped: 3 }).broke.join(), /3 dropped/);
    assert.match(judgeStep(settings, { ...ok, errors: 2 }).broke.join(), /2 errors/);
    // A driver pause makes a burst that waits for connections on any server: the waits are in the
    // latency, which the objective judges; the share of queued sends is not judged by itself.
    assert.deepEqual(judgeStep(settings, { ...ok, queued: 340 }).broke, [], '17% queued, p99 within bound');
    assert.match(judgeStep(settings, { ...ok, throughput: 900 }).broke.join(), /served 900\/s of 1000\/s/);
    assert.deepEqual(judgeStep(settings, { ...ok, throughput: 960 }).broke, []);
  });

  it('offers round rates', () => {
    assert.equal(roundRate(1234), 1200);
    assert.equal(roundRate(56_789), 57_000);
    assert.equal(roundRate(42.4), 42);
    assert.equal(roundRate(0.2), 1);
  });
});
