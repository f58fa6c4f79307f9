import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatBytes,
  formatInteger,
  formatSize,
  formatCount,
  formatDurationMs,
  formatMicros,
  formatPercent,
} from './units.js';

test('formatMicros picks the unit that reads best and never shows 1000 of a smaller unit', () => {
  const cases: [number, string][] = [
    [0, '0.0µs'],
    [8.46, '8.5µs'],
    [9.96, '10µs'],
    [850, '850µs'],
    [999.4, '999µs'],
    [999.6, '1.00ms'],
    [1234, '1.23ms'],
    [9_996, '10.0ms'],
    [12_345, '12.3ms'],
    [99_940, '99.9ms'],
    [99_960, '100ms'],
    [178_240, '178ms'],
    [999_400, '999ms'],
    [999_600, '1.00s'],
    [1_200_000, '1.20s'],
    [Number.NaN, '-'],
  ];
  for (const [us, text] of cases) assert.equal(formatMicros(us), text, `formatMicros(${us})`);
});

test('formatBytes', () => {
  const cases: [number, string][] = [
    [64, '64B'],
    [1023.6, '1.0KiB'],
    [1024, '1.0KiB'],
    [10_200, '10KiB'],
    [16 * 1024, '16KiB'],
    [1024 * 1023.9, '1.0MiB'],
    [1.5 * 1024 ** 2, '1.5MiB'],
    [32 * 1024 ** 3, '32GiB'],
    [Number.POSITIVE_INFINITY, '-'],
  ];
  for (const [b, text] of cases) assert.equal(formatBytes(b), text, `formatBytes(${b})`);
});

test('formatDurationMs is compact and exact', () => {
  assert.equal(formatDurationMs(500), '500ms');
  assert.equal(formatDurationMs(0.5), '0.5ms');
  assert.equal(formatDurationMs(10_000), '10s');
  assert.equal(formatDurationMs(1250), '1.25s');
  assert.equal(formatDurationMs(120_000), '2m');
});

test('formatCount', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [12.5, '12.5'],
    [950, '950'],
    [1811.4, '1811'],
    [9_999.4, '9999'],
    [9_999.6, '10.0k'],
    [24_310, '24.3k'],
    [999_960, '1.00M'],
    [1_250_000, '1.25M'],
  ];
  for (const [n, text] of cases) assert.equal(formatCount(n), text, `formatCount(${n})`);
});

test('formatPercent', () => {
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(0.0012), '0.12%');
  assert.equal(formatPercent(0.031), '3.1%');
  assert.equal(formatPercent(0.456), '46%');
  assert.equal(formatPercent(0.99), '99%');
});

test('formatSize is exact for whole KiB and MiB', () => {
  assert.equal(formatSize(64), '64B');
  assert.equal(formatSize(1024), '1KiB');
  assert.equal(formatSize(16 * 1024), '16KiB');
  assert.equal(formatSize(1024 ** 2), '1MiB');
  assert.equal(formatSize(1500), '1.5KiB');
});

test('formatInteger groups thousands', () => {
  assert.equal(formatInteger(0), '0');
  assert.equal(formatInteger(999.6), '1,000');
  assert.equal(formatInteger(98_450), '98,450');
  assert.equal(formatInteger(1_234_567), '1,234,567');
  assert.equal(formatInteger(-1234), '-1,234');
});
