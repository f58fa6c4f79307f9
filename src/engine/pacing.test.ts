import assert from 'node:assert/strict';
import { test } from 'node:test';
import { choosePacing } from './pacing.js';

test('auto sleeps on 2 shared cores and spins where the driver has a core to itself', () => {
  const two = { cores: 2, driverThreads: 1, serverProcesses: 1 };
  assert.equal(choosePacing('auto', two).pacing, 'sleep');
  assert.equal(choosePacing(undefined, two).pacing, 'sleep');
  assert.match(choosePacing('auto', two).reason, /2 cores shared by 1 driver thread \+ 1 serving process/);
  assert.equal(choosePacing('auto', { ...two, cores: 4 }).pacing, 'spin');
  assert.equal(choosePacing('auto', { ...two, cores: 4, serverProcesses: 3 }).pacing, 'sleep');
  assert.equal(
    choosePacing('auto', { ...two, cores: 16, driverThreads: 4, serverProcesses: 2 }).pacing,
    'spin',
  );
});

test('placement decides when it pins both sides', () => {
  const base = { cores: 2, driverThreads: 1, serverProcesses: 1 };
  assert.equal(choosePacing('auto', { ...base, driverCpus: [0], serverCpus: [1] }).pacing, 'spin');
  const shared = choosePacing('auto', { ...base, driverCpus: [0], serverCpus: [0] });
  assert.equal(shared.pacing, 'sleep');
  assert.match(shared.reason, /shares CPU 0/);
  assert.equal(
    choosePacing('auto', { ...base, driverThreads: 2, driverCpus: [0], serverCpus: [1] }).pacing,
    'sleep',
  );
});

test('an explicit strategy is kept whatever the machine', () => {
  assert.equal(choosePacing('spin', { cores: 1, driverThreads: 1, serverProcesses: 3 }).pacing, 'spin');
  assert.equal(choosePacing('sleep', { cores: 64, driverThreads: 1, serverProcesses: 1 }).pacing, 'sleep');
});
