import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pacingMs, sleepClock, stopPacing } from './clock.js';

test('the sleeping clock never wakes before the time asked, and wakes every sleeper', async () => {
  const now = sleepClock.now();
  const times = [now + 3, now + 1, now + 2, now + 2.5];
  const woke: number[] = [];
  await Promise.all(
    times.map((t) =>
      sleepClock.sleepUntil(t).then(() => {
        woke.push(sleepClock.now());
        assert.ok(sleepClock.now() >= t, 'not early');
      }),
    ),
  );
  assert.equal(woke.length, times.length);
  assert.ok(pacingMs() >= 0);
  stopPacing();
});

test('a process that paced with the sleeping clock exits by itself (its timing thread does not hold it)', () => {
  const clock = fileURLToPath(new URL('./clock.ts', import.meta.url));
  const script = `
    const { sleepClock } = await import(${JSON.stringify(clock)});
    const t0 = sleepClock.now();
    for (let i = 1; i <= 50; i++) await sleepClock.sleepUntil(t0 + i);
    console.log('paced');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.signal, null, `killed after 20 s: the process did not exit (${r.stderr})`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /paced/);
});
