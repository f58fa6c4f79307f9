import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { runPlan } from '../../src/engine/runner.js';
import { childEntry } from '../../src/proc/child-args.js';
import { startServerProcess } from '../../src/engine/server-host.js';
import { errnoKind, isCommbenchError } from '../../src/errors.js';
import { allowedCpus, formatCpuList, openFilesLimit, parseCpuList } from '../../src/proc/placement.js';
import { awaitReady, forkGroup, obtainableNofile, spawnGroup } from '../../src/proc/spawn.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { planFromText } from '../../src/scenario/load.js';

const linux = process.platform === 'linux';
const twoCpus = linux && (allowedCpus()?.length ?? 0) >= 2 && availableParallelism() >= 2;

/** Cpus_allowed_list of every thread of `pid` (from /proc/<pid>/task/<tid>/status). */
function threadCpus(pid: number | 'self'): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    return /Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1] ?? '?';
  });
}

describe('CPU lists', () => {
  it('parses and formats the kernel form', () => {
    assert.deepEqual(parseCpuList('0-2,5'), [0, 1, 2, 5]);
    assert.deepEqual(parseCpuList('1'), [1]);
    assert.equal(parseCpuList('a-b'), undefined);
    assert.equal(formatCpuList([5, 0, 1, 2, 2]), '0-2,5');
    assert.equal(formatCpuList([1]), '1');
  });
});

describe('scenario placement', { skip: !twoCpus && 'needs Linux with two usable CPUs' }, () => {
  it('a real run pins the server child to CPU 1 and the driver to CPU 0, read back from /proc', async () => {
    const plan = await planFromText(
      'defaults:\n  pattern: tcp\n  duration: 600ms\n  warmup: 100ms\n  load: { connections: 2 }\n  placement: { server: [1], driver: [0] }\n',
      { file: 'placement.yaml' },
    );
    assert.deepEqual(plan.cases[0]?.placement, { server: [1], driver: [0] });
    const before = allowedCpus('self');
    const seen: { server: string[]; driver: string[] } = { server: [], driver: [] };
    const result = await runPlan(plan, {
      hooks: {
        serverStarted(_spec, server) {
          // While the load runs: every thread of the real server process, and of this process.
          setTimeout(() => {
            seen.server = threadCpus(server.pid);
            seen.driver = threadCpus('self');
          }, 300);
        },
      },
    });
    const c = result.cases[0];
    assert.equal(c?.status, 'ok', c?.error?.message);
    assert.ok(seen.server.length > 1, 'the server has several threads');
    assert.deepEqual([...new Set(seen.server)], ['1'], `server threads on ${seen.server.join(' ')}`);
    assert.deepEqual([...new Set(seen.driver)], ['0'], `driver threads on ${seen.driver.join(' ')}`);
    assert.deepEqual(c?.repetitions[0]?.placement, { server: '1', driver: '0' });
    assert.ok((c?.repetitions[0]?.ops ?? 0) > 0);
    assert.deepEqual(allowedCpus('self'), before, 'the driver is unpinned after the case');
    assert.match(
      renderMarkdown(result),
      /CPU placement \(read back from \/proc, taskset\): server on CPU 1, driver on CPU 0\./,
    );
  });

  it('a CPU that does not exist is a scenario problem (exit 2) naming the valid choices', async () => {
    const valid = formatCpuList(allowedCpus() ?? []);
    await assert.rejects(
      planFromText('defaults:\n  pattern: tcp\n  placement:\n    server: [4096]\n    driver: [0]\n', {
        file: 'bad.yaml',
      }),
      (err: unknown) => {
        assert.ok(isCommbenchError(err));
        assert.equal(err.exitCode, 2);
        const text = [err.message, ...err.details].join('\n');
        assert.match(text, /bad\.yaml:4/);
        assert.match(
          text,
          new RegExp(`CPU 4096 does not exist or is not allowed here; valid choices: ${valid}`),
        );
        return true;
      },
    );
  });
});

describe('open-file limit of a child', { skip: !linux && 'prlimit is Linux only' }, () => {
  it('a spawned child gets the RLIMIT_NOFILE asked for (prlimit), read back from /proc', async () => {
    const own = openFilesLimit('self');
    assert.ok(own);
    const wanted = Math.min(own.hard, 4321);
    const child = spawnGroup('sleep', ['5'], { nofile: wanted });
    try {
      assert.ok(child.pid > 0);
      // prlimit execs sleep: wait until the pid runs sleep, then read its limits.
      for (
        let i = 0;
        i < 100 && !readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith('sleep');
        i++
      ) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(openFilesLimit(child.pid), { soft: wanted, hard: wanted });
    } finally {
      child.kill();
      await child.exited;
    }
  });

  it('a server process started with limits.nofile reports the limit it obtained', async () => {
    const own = openFilesLimit('self');
    assert.ok(own);
    const wanted = Math.min(own.hard, 5000);
    const server = await startServerProcess(
      { pattern: 'tcp', options: {}, host: '127.0.0.1', port: 0, delayMs: 0 },
      { nofile: wanted },
    );
    try {
      assert.equal(server.openFiles, wanted);
      assert.deepEqual(openFilesLimit(server.pid), { soft: wanted, hard: wanted });
    } finally {
      await server.stop();
    }
  });

  it('above the hard limit, without CAP_SYS_RESOURCE, a node child gets the hard limit and says so', async () => {
    const own = openFilesLimit('self');
    assert.ok(own);
    const wanted = Math.min(own.hard * 2, 1_048_576);
    const got = obtainableNofile(wanted);
    assert.ok(got === wanted || got === own.hard, `obtained ${got}`);
    // A real node child (a node-proxy hop) started with that limit reads it back.
    const proc = forkGroup(
      childEntry(new URL('../../src/hops/process.ts', import.meta.url).href, 'hop-main'),
      {
        COMMBENCH_HOP_CONFIG: JSON.stringify({
          kind: 'node-proxy',
          host: '127.0.0.1',
          port: 0,
          upstream: 'http://127.0.0.1:1',
        }),
      },
      { nofile: wanted },
    );
    try {
      await awaitReady(proc, 15_000);
      assert.equal(openFilesLimit(proc.pid)?.soft, got);
      assert.equal(openFilesLimit(proc.pid)?.hard, got);
    } finally {
      proc.kill('SIGTERM');
      await proc.wait(1000);
    }
  });
});

describe('errnoKind: the one errno classifier', () => {
  it('sorts codes into timeout, connection or nothing', () => {
    const e = (code: unknown): unknown => Object.assign(new Error('x'), { code });
    assert.equal(errnoKind(e('ETIMEDOUT')), 'timeout');
    assert.equal(errnoKind(e('UND_ERR_CONNECT_TIMEOUT')), 'timeout');
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET'])
      assert.equal(errnoKind(e(code)), 'connection', code);
    assert.equal(errnoKind(e('ERR_HTTP2_STREAM_ERROR')), undefined);
    assert.equal(errnoKind(e(14)), undefined);
    assert.equal(errnoKind(new Error('no code')), undefined);
  });
});
