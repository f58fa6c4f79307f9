import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { patternNames } from '../../src/patterns/registry.js';
import type { Result } from '../../src/result/types.js';
import { alive, assertBuilt, childrenOf, cli, processGroupOf, resultFiles, tempDir, until } from './cli.js';

before(assertBuilt);

function readResult(path: string | undefined): Result {
  assert.ok(path, 'a result file was written');
  return JSON.parse(readFileSync(path, 'utf8')) as Result;
}

describe('commbench run (end to end, built CLI)', () => {
  it('runs the smoke scenario, prints the table and writes a complete result', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await cli(
      ['run', 'smoke', '--duration', '600ms', '--warmup', '200ms'],
      dir,
    ).done;
    assert.equal(code, 0, stderr);
    for (const pattern of ['tcp', 'rest', 'grpc']) assert.match(stdout, new RegExp(`^${pattern} `, 'm'));
    assert.match(stdout, /ops\/s/);
    const files = resultFiles(dir);
    assert.equal(files.length, 1);
    assert.match(files[0] ?? '', /smoke-\d{8}-\d{6}\.json$/);
    assert.match(stderr, /result: .*smoke-/);
    const result = readResult(files[0]);
    assert.equal(result.schemaVersion, 2);
    assert.equal(result.tool.name, 'commbench');
    assert.equal(result.endReason, 'completed');
    assert.ok(result.environment.cores >= 1 && result.environment.cpuModel.length > 0);
    assert.equal(result.plan.name, 'smoke');
    assert.equal(result.cases.length, 3);
    for (const c of result.cases) {
      assert.equal(c.status, 'ok', c.error?.message);
      assert.equal(c.repetitions.length, 1);
      const s = c.summary;
      assert.ok(s && s.ops > 0 && s.throughput > 0);
      assert.ok(s.latency.encoded.length > 0, 'histogram travels encoded');
      assert.ok(s.timeline.length >= 1);
      assert.ok(s.payload.perOp > 0 && s.wire.perOp > 0);
      assert.ok(s.server && s.server.cpuUsPerOp > 0 && s.server.maxRssBytes > 0);
      assert.ok(s.driver.cpuUsPerOp > 0);
      assert.ok(s.verdict && typeof s.verdict.why === 'string', 'every row stores who limited it');
      assert.equal(s.errors.total, 0);
      assert.ok(s.verified > 0, 'echo content was checked on a sample');
    }
  });

  it('rejects an invalid scenario with every problem, located, and exit code 2', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'name: bad',
        'defaults:',
        '  duration: 10 parsecs',
        '  load: { model: closd, connections: 0 }',
        '  payload: { size: 1KiB, shape: square }',
        'matrix:',
        '  pattern: [rest, grcp]',
        '  colour: [red]',
      ].join('\n'),
    );
    for (const command of ['validate', 'run']) {
      const { code, stderr } = await cli([command, file], dir).done;
      assert.equal(code, 2, `${command}: ${stderr}`);
      assert.match(stderr, /bad\.yaml: 6 problems/);
      assert.match(stderr, /bad\.yaml:3:\d+: defaults\.duration: .*'10s'/);
      assert.match(
        stderr,
        /bad\.yaml:4:\d+: defaults\.load\.model: .*valid: closed, rate, ramp, knee, connections/,
      );
      assert.match(stderr, /bad\.yaml:4:\d+: defaults\.load\.connections/);
      assert.match(stderr, /bad\.yaml:5:\d+: defaults\.payload\.shape: .*valid: mixed, text, items/);
      assert.ok(stderr.includes(`valid: ${patternNames.join(', ')}`), 'lists the valid patterns');
      assert.match(stderr, /bad\.yaml:7:\d+: matrix\.pattern\[1\]: invalid value 'grcp'/);
      assert.match(stderr, /bad\.yaml:8:\d+: matrix\.colour: unknown key/);
      assert.deepEqual(resultFiles(dir), [], 'nothing was run');
    }
  });

  it('on Ctrl-C stops within a second, keeps the partial result, exits 130 and leaves no process', async () => {
    const dir = tempDir();
    const run = cli(['run', 'smoke', '--duration', '20s', '--warmup', '100ms'], dir);
    const pid = run.child.pid as number;
    await until(() => run.stderr.includes('[1/3]') && childrenOf(pid).length > 0, 10_000);
    const servers = childrenOf(pid);
    await new Promise((r) => setTimeout(r, 1500));
    const sentAt = Date.now();
    run.child.kill('SIGINT');
    const { code, stdout, stderr } = await run.done;
    assert.ok(Date.now() - sentAt < 1500, `exited ${Date.now() - sentAt}ms after SIGINT`);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /SIGINT: stopping/);
    assert.match(stdout, /interrupted/);
    const result = readResult(resultFiles(dir)[0]);
    assert.equal(result.endReason, 'interrupted');
    assert.equal(result.cases.length, 1);
    assert.equal(result.cases[0]?.status, 'interrupted');
    assert.ok((result.cases[0]?.summary?.ops ?? 0) > 0, 'partial measurement kept');
    for (const server of servers) assert.equal(alive(server), false, `server ${server} was stopped`);
  });

  it("on a terminal's Ctrl-C (SIGINT to the whole process group) also exits 130 with the partial result", async () => {
    const dir = tempDir();
    const run = cli(['run', 'smoke', '--duration', '20s', '--warmup', '100ms'], dir, {
      ownProcessGroup: true,
    });
    const pid = run.child.pid as number;
    await until(() => run.stderr.includes('[1/3]') && childrenOf(pid).length > 0, 10_000);
    const servers = childrenOf(pid);
    // The servers sit in their own process groups, so the terminal's SIGINT reaches only the CLI,
    // which stops them itself (a server that died of the same SIGINT raced the CLI's stop message).
    for (const server of servers)
      assert.notEqual(processGroupOf(server), pid, `server ${server} has its own group`);
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(-pid, 'SIGINT');
    const { code, stderr } = await run.done;
    assert.equal(code, 130, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
    const result = readResult(resultFiles(dir)[0]);
    assert.equal(result.endReason, 'interrupted');
    assert.ok((result.cases[0]?.summary?.ops ?? 0) > 0, 'partial measurement kept');
    for (const server of servers) assert.equal(alive(server), false, `server ${server} was stopped`);
  });

  it('records a server that crashes mid-run, runs the remaining cases and exits 3', async () => {
    const dir = tempDir();
    const run = cli(['run', 'smoke', '--duration', '1500ms', '--warmup', '100ms'], dir);
    const pid = run.child.pid as number;
    await until(() => run.stderr.includes('[1/3]') && childrenOf(pid).length > 0, 10_000);
    await new Promise((r) => setTimeout(r, 800));
    for (const server of childrenOf(pid)) process.kill(server, 'SIGKILL');
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 3, stderr);
    assert.match(stdout, /server-crashed/);
    assert.match(stderr, /cases did not complete: .*server process exited/);
    const result = readResult(resultFiles(dir)[0]);
    assert.deepEqual(
      result.cases.map((c) => c.status),
      ['server-crashed', 'ok', 'ok'],
    );
    assert.ok((result.cases[0]?.repetitions[0]?.ops ?? 0) > 0);
  });

  it('exits 4 with a hint when a --target is unreachable', async () => {
    const dir = tempDir();
    const { code, stderr } = await cli(
      ['run', 'smoke', '--pattern', 'rest', '--duration', '300ms', '--target', 'rest=http://127.0.0.1:1'],
      dir,
    ).done;
    assert.equal(code, 4, stderr);
    assert.match(stderr, /cannot reach rest server at http:\/\/127\.0\.0\.1:1/);
    assert.match(stderr, /hint: /);
  });
});

describe('commbench serve', () => {
  it('exits 4 with a hint when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await cli(['serve', 'rest', '--port', String(port)], tempDir()).done;
      assert.equal(code, 4);
      assert.match(stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.match(stderr, /hint: .*ss -ltnp/);
    } finally {
      blocker.close();
    }
  });

  it('serves an echo server that `run --target` can drive, and stops on SIGTERM', async () => {
    const dir = tempDir();
    const serve = cli(['serve', 'tcp', '--port', '0'], dir);
    await until(() => /listening on tcp:\/\//.test(serve.stdout), 10_000);
    const url = /listening on (tcp:\/\/\S+)/.exec(serve.stdout)?.[1] as string;
    const { code, stderr } = await cli(
      [
        'run',
        'smoke',
        '--pattern',
        'tcp',
        '--duration',
        '300ms',
        '--warmup',
        '100ms',
        '--target',
        `tcp=${url}`,
      ],
      dir,
    ).done;
    assert.equal(code, 0, stderr);
    const result = readResult(resultFiles(dir)[0]);
    assert.equal(result.cases[0]?.spec.target, url);
    assert.equal(result.cases[0]?.summary?.server, undefined, 'no server CPU for a target we did not start');
    serve.child.kill('SIGTERM');
    const done = await serve.done;
    assert.equal(done.code, 0);
  });
});
