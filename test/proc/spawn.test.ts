import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { childEntry } from '../../src/proc/child-args.js';
import {
  awaitReady,
  forkGroup,
  isNotReady,
  killAllChildren,
  spawnGroup,
  startWatchdog,
  type NotReady,
} from '../../src/proc/spawn.js';
import { isRunning } from '../../src/proc/usage.js';

const linux = process.platform === 'linux';
const hopEntry = childEntry(new URL('../../src/hops/process.ts', import.meta.url).href, 'hop-main');

/** pids whose parent is `ppid` (from /proc). */
function childrenOf(ppid: number): number[] {
  const text = readFileSync(`/proc/${ppid}/task/${ppid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

async function until(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('src/proc: children in their own process groups', { skip: !linux && 'reads /proc' }, () => {
  it('kill() ends the whole group, grandchildren included', async () => {
    const shell = spawnGroup('sh', ['-c', 'sleep 30 & sleep 30 & wait']);
    assert.ok(await until(() => childrenOf(shell.pid).length === 2), 'two sleeps started');
    const sleeps = childrenOf(shell.pid);
    shell.kill();
    const exit = await shell.exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(await until(() => sleeps.every((p) => !isRunning(p))), 'the grandchildren are gone too');
    assert.equal(shell.hasExited, true);
  });

  it('killAllChildren() ends every live child', async () => {
    const a = spawnGroup('sleep', ['30']);
    const b = spawnGroup('sleep', ['30']);
    killAllChildren();
    await Promise.all([a.exited, b.exited]);
    assert.equal(isRunning(a.pid) || isRunning(b.pid), false);
  });

  it('a command that does not exist exits at once with the reason in its output', async () => {
    const p = spawnGroup('/nonexistent/commbench-binary', []);
    await p.exited;
    assert.equal(p.hasExited, true);
    assert.match(p.output(), /ENOENT/);
  });

  it('the ready handshake reports a node child that fails to start, with its own message', async () => {
    const proc = forkGroup(hopEntry, {
      COMMBENCH_HOP_CONFIG: JSON.stringify({
        kind: 'node-proxy',
        host: '203.0.113.1',
        port: 0,
        upstream: 'http://127.0.0.1:1',
      }),
    });
    const err = await awaitReady(proc, 15_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isNotReady(err));
    assert.equal((err as NotReady).reason, 'error');
    assert.match((err as Extract<NotReady, { reason: 'error' }>).message, /EADDRNOTAVAIL/);
    await proc.wait(1000);
  });

  it('the ready handshake times out (and kills the child) when the child never says ready', async () => {
    const proc = spawnGroup(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'node' });
    const err = await awaitReady(proc, 300).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.deepEqual(err, { reason: 'timeout' });
    const exit = await proc.exited;
    assert.equal(exit.signal, 'SIGKILL');
  });

  it('the watchdog kills its groups and removes its dir when its pipe closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'commbench-proc-test-'));
    const sleeper = spawnGroup('sleep', ['30']);
    const watchdog = startWatchdog(dir, [sleeper.pid]);
    await watchdog.finish();
    const exit = await sleeper.exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(existsSync(dir), false);
  });
});
