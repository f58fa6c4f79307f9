/**
 * Scale-out done-when: three local shards (`--shard i/3 --start-at T`) against one server, merged,
 * equal one run at the full rate within noise.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Result } from '../../src/result/types.js';
import { assertBuilt, cli, tempDir, until, type Run } from './cli.js';

const read = (path: string): Result => JSON.parse(readFileSync(path, 'utf8')) as Result;

describe('run --shard i/N --start-at', () => {
  let serve: Run;
  let url: string;
  before(async () => {
    assertBuilt();
    serve = cli(['serve', 'rest', '--port', '0'], tempDir());
    await until(() => /listening on http:\/\//.test(serve.stdout), 10_000);
    url = /listening on (http:\/\/\S+)/.exec(serve.stdout)![1]!;
  });
  after(async () => {
    serve.child.kill('SIGTERM');
    await serve.done;
  });

  it('3 shards started together and merged equal one run at the full rate', async () => {
    const dir = tempDir();
    const common = ['run', 'smoke', '--pattern', 'rest', '--rate', '450', '--connections', '6'];
    const timing = ['--duration', '2s', '--warmup', '300ms', '--target', `rest=${url}`];
    const full = await cli([...common, ...timing, '--out', 'full.json'], dir).done;
    assert.equal(full.code, 0, full.stderr);

    // Node starts in well under a second even on a loaded machine; 4 s leaves room.
    const startAt = Date.now() + 8000;
    const shards = await Promise.all(
      [0, 1, 2].map(
        (i) =>
          cli(
            [...common, ...timing, '--shard', `${i}/3`, '--start-at', String(startAt), '--out', `s${i}.json`],
            dir,
          ).done,
      ),
    );
    for (const s of shards) assert.equal(s.code, 0, s.stderr);
    assert.match(shards[0]!.stderr, /shard 0\/3: starting at \d{4}-\d\d-\d\dT/);
    const parts = [0, 1, 2].map((i) => read(join(dir, `s${i}.json`)));
    for (const [i, p] of parts.entries()) {
      assert.deepEqual([p.shard?.index, p.shard?.count], [i, 3]);
      assert.equal(p.shard?.startAt, new Date(startAt).toISOString());
      // Each load started at the shared time, not when its process happened to be ready.
      assert.ok((p.shard?.lateMs ?? Infinity) < 300, `shard ${i} started ${p.shard?.lateMs}ms late`);
      const load = p.cases[0]!.spec.load;
      assert.deepEqual([load.connections, load.model === 'rate' ? load.rate : 0], [2, 150]);
    }

    const merge = await cli(['merge', 's0.json', 's1.json', 's2.json', '--out', 'merged.json'], dir).done;
    assert.equal(merge.code, 0, merge.stderr);
    const merged = read(join(dir, 'merged.json')).cases[0]!;
    const single = read(join(dir, 'full.json')).cases[0]!;
    assert.deepEqual(merged.spec.load, single.spec.load, 'the merged case ran the full load');
    const [m, s] = [merged.summary!, single.summary!];
    assert.ok(
      Math.abs(m.throughput / s.throughput - 1) < 0.1,
      `throughput ${m.throughput} vs ${s.throughput}`,
    );
    assert.ok(Math.abs(m.ops / s.ops - 1) < 0.1, `ops ${m.ops} vs ${s.ops}`);
    assert.equal(
      m.latency.count,
      parts.reduce((a, p) => a + p.cases[0]!.summary!.latency.count, 0),
    );
    assert.equal(m.errors.total, 0);
  });

  it('refuses what cannot be split, with every case named', async () => {
    const { code, stderr } = await cli(
      ['run', 'smoke', '--connections', '2', '--shard', '0/3', '--duration', '100ms'],
      tempDir(),
    ).done;
    assert.equal(code, 2, stderr);
    assert.match(stderr, /--shard 0\/3: some cases cannot be sharded/);
    assert.match(stderr, /tcp: 2 connection\(s\) cannot be split 3 ways/);
    assert.match(stderr, /rest: 2 connection/);
    const bad = await cli(['run', 'smoke', '--shard', '3/3'], tempDir()).done;
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--shard "3\/3": expected i\/N with 0 ≤ i < N\nhint: e\.g\. --shard 0\/3/);
  });
});
