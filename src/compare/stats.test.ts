import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  logGamma,
  logRatioInterval,
  normalQuantile,
  regularizedIncompleteBeta,
  studentTQuantile,
} from './stats.js';

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

test("Student's t quantiles match published tables", () => {
  // Two-sided 95% critical values (R: qt(0.975, df)).
  const table: [number, number][] = [
    [1, 12.706205],
    [2, 4.302653],
    [3, 3.182446],
    [4, 2.776445],
    [8, 2.306004],
    [30, 2.042272],
  ];
  for (const [df, t] of table) close(studentTQuantile(0.975, df), t, 1e-5, `t(0.975, ${df})`);
  close(studentTQuantile(0.995, 10), 3.169273, 1e-5, 't(0.995, 10)');
  close(studentTQuantile(0.025, 4), -2.776445, 1e-5, 't(0.025, 4)');
  close(studentTQuantile(0.975, Infinity), 1.959964, 1e-6, 'normal');
});

test('normal quantile, log-gamma and incomplete beta against known values', () => {
  close(normalQuantile(0.975), 1.959964, 1e-6, 'z 0.975');
  close(normalQuantile(0.001), -3.090232, 1e-6, 'z 0.001');
  close(logGamma(5), Math.log(24), 1e-12, 'lnΓ(5)');
  close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12, 'lnΓ(1/2)');
  close(regularizedIncompleteBeta(0.5, 2, 2), 0.5, 1e-12, 'I(0.5; 2, 2)');
  close(regularizedIncompleteBeta(0.3, 2, 5), 0.579825, 1e-6, 'I(0.3; 2, 5)');
});

test('log-ratio interval: ratio of geometric means, Welch interval on logs', () => {
  const r = logRatioInterval([
    { values: [110, 121, 100], sign: 1 },
    { values: [100, 110, 90.9], sign: -1 },
  ]);
  close(r.ratio, 1.1, 1e-3, 'ratio');
  assert.ok(r.low! < 1.1 && r.high! > 1.1 && r.low! > 0.8 && r.high! < 1.5, `${r.low} ${r.high}`);
  close(r.df!, 4, 0.05, 'equal variances, n = 3 + 3 → df ≈ 4');
  assert.equal(
    logRatioInterval([
      { values: [5], sign: 1 },
      { values: [4, 4.1], sign: -1 },
    ]).low,
    undefined,
  );
  assert.throws(() => logRatioInterval([{ values: [0, 1], sign: 1 }]), /positive/);
});
