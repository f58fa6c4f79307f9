/**
 * Bad input and lost results, end to end through the built CLI: absurd values are refused by
 * `validate` in seconds, CLI flags and file fields parse alike, Ctrl-C is honoured while a driver is
 * still connecting, and a measured run is never lost to an --out path.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Result } from '../../src/result/types.js';
import { makeResult } from '../fixtures/result.js';
import { alive, assertBuilt, childrenOf, cli, resultFiles, tempDir, until } from './cli.js';

before(assertBuilt);

function write(dir: string, name: string, lines: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function timed(args: readonly string[], cwd: string) {
  const started = Date.now();
  const done = await cli(args, cwd).done;
  return { ...done, ms: Date.now() - started };
}

const quick = ['defaults:', '  pattern: tcp', '  duration: 300ms', '  warmup: 0ms'];

describe('absurd values are refused by validate (exit 2, in seconds)', () => {
  it('every numeric field has a bound, stated with the valid range at file:line', async () => {
    const dir = tempDir();
    const file = write(dir, 'absurd.yaml', [
      'defaults:',
      '  pattern: rest',
      'cases:',
      '  - { label: a, load: { connections: 1000000000 } }',
      '  - { label: b, load: { inFlight: 1000000000 } }',
      '  - { label: c, load: { subscribers: 100000000 } }',
      '  - { label: d, load: { rate: 1e12 } }',
      '  - { label: e, payload: { size: 4GiB } }',
      '  - { label: f, repeat: 1000000000000 }',
      '  - { label: g, duration: 3153600000s }',
      '  - { label: h, workers: 100000 }',
    ]);
    const { code, stderr, ms } = await timed(['validate', file], dir);
    assert.equal(code, 2, stderr);
    assert.ok(ms < 5000, `took ${ms} ms`);
    const expect: [number, RegExp][] = [
      [4, /cases\[0\]\.load\.connections: must be <= 100000, got 1000000000/],
      [5, /cases\[1\]\.load\.inFlight: must be <= 10000, got 1000000000/],
      [6, /cases\[2\]\.load\.subscribers: must be <= 100000, got 100000000/],
      [7, /cases\[3\]\.load\.rate: must be at most 10000000\/s/],
      [8, /cases\[4\]\.payload\.size: must be at most 8MiB, got 4GiB/],
      [9, /cases\[5\]\.repeat: must be <= 1000, got 1000000000000/],
      [10, /cases\[6\]\.duration: must be at most 12h/],
      [11, /cases\[7\]\.workers: must be <= 64, got 100000/],
    ];
    for (const [line, message] of expect) {
      const hit = stderr.split('\n').find((l) => l.includes(`absurd.yaml:${line}:`));
      assert.ok(hit, `no problem on line ${line}:\n${stderr}`);
      assert.match(hit, message);
    }
  });

  it('refuses what this machine cannot hold: more workers than connections, a plan longer than 24 h', async () => {
    const dir = tempDir();
    const file = write(dir, 'machine.yaml', [
      'defaults:',
      '  pattern: rest',
      '  load: { connections: 10 }',
      'cases:',
      '  - { workers: 20 }',
      '  - { label: long, duration: 10h, repeat: 100 }',
    ]);
    const { code, stderr } = await timed(['validate', file], dir);
    assert.equal(code, 2, stderr);
    assert.match(
      stderr,
      /machine\.yaml:5:\d+: cases\[0\]\.workers: 20 workers for 10 connections.*at most 10/,
    );
    assert.match(stderr, /the plan would run for about \d+ days.*at most 24 h/);
  });

  it('refuses connections beyond the open-file limit, naming ulimit -n', async () => {
    const dir = tempDir();
    const file = write(dir, 'fds.yaml', ['defaults:', '  pattern: rest', '  load: { connections: 100000 }']);
    const { code, stderr } = await timed(['validate', file], dir);
    assert.equal(code, 2, stderr);
    assert.match(
      stderr,
      /fds\.yaml:3:\d+: defaults\.load\.connections: 100000 connections is more than this machine can open: at most \d+, because/,
    );
  });

  it('a 50 MB file is refused at once for its size', async () => {
    const dir = tempDir();
    const file = join(dir, 'huge.json');
    writeFileSync(
      file,
      JSON.stringify({ defaults: { pattern: 'rest' }, description: 'x'.repeat(50_000_000) }),
    );
    const { code, stderr, ms } = await timed(['validate', file], dir);
    assert.equal(code, 2, stderr);
    assert.ok(ms < 3000, `took ${ms} ms`);
    assert.match(stderr, /huge\.json: 48MiB is too large for a scenario file \(at most 1\.0MiB\)/);
  });

  it('a deeply nested file is refused with a hint, not a stack overflow', async () => {
    const dir = tempDir();
    const file = join(dir, 'deep.yaml');
    writeFileSync(file, `defaults: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    const { code, stderr } = await timed(['validate', file], dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /deep\.yaml: nested too deeply to read/);
    assert.match(stderr, /hint: /);
    assert.doesNotMatch(stderr, /internal error|^.*Maximum call stack size exceeded$/m);
  });

  it('a YAML syntax error does not hide the schema errors elsewhere in the file', async () => {
    const dir = tempDir();
    const file = write(dir, 'mixed.yaml', [
      'defaults:',
      '  pattern: rest',
      '  duration: [10s',
      '  load: { connections: 0 }',
      '  payload: { shape: blob }',
    ]);
    const { code, stderr } = await timed(['validate', file], dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /mixed\.yaml:4:3: .*must .*end with a \]/);
    assert.match(stderr, /mixed\.yaml:4:\d+: defaults\.load\.connections: must be >= 1, got 0/);
    assert.match(stderr, /mixed\.yaml:5:\d+: defaults\.payload\.shape: invalid value 'blob'/);
  });

  it('a target needs a scheme its pattern speaks, in the file and on the command line alike', async () => {
    const dir = tempDir();
    const file = write(dir, 'targets.yaml', [
      'cases:',
      '  - { pattern: rest, target: "localhost:8080" }',
      '  - { pattern: grpc, target: "ftp://x" }',
    ]);
    const v = await timed(['validate', file], dir);
    assert.equal(v.code, 2, v.stderr);
    assert.match(
      v.stderr,
      /targets\.yaml:2:\d+: cases\[0\]\.target: invalid URL 'localhost:8080': no scheme/,
    );
    assert.match(
      v.stderr,
      /targets\.yaml:3:\d+: cases\[1\]\.target: grpc: scheme 'ftp' .*expected grpc:\/\//,
    );
    const flag = await timed(['run', 'smoke', '--target', 'grpc=ftp://x'], dir);
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, /--target grpc=ftp:\/\/x: grpc: scheme 'ftp'/);
    assert.deepEqual(resultFiles(dir), [], 'nothing was run');
  });

  it('flags parse with the file schema: same bounds, same rate syntax, a warning for a bare-number duration', async () => {
    const dir = tempDir();
    const bad = await timed(
      ['run', 'smoke', '--connections', '1000000000', '--duration', '3153600000s'],
      dir,
    );
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--connections '1000000000': must be <= 100000, got 1000000000/);
    assert.match(bad.stderr, /--duration '3153600000s': must be at most 12h/);
    const file = write(dir, 'rate.yaml', [
      'defaults:',
      '  pattern: rest',
      '  duration: 10',
      "  load: { rate: '2000/s' }",
    ]);
    const ok = await timed(['validate', file], dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /warning: .*rate\.yaml:3:\d+: defaults\.duration: a bare number means milliseconds \(10ms\)/,
    );
    assert.match(ok.stdout, /rest 2000\/s|1 case/);
  });
});

describe('Ctrl-C is honoured while the driver is still connecting', () => {
  it('exits 130 within about a second, keeps the (empty) result and leaves no server', async () => {
    const dir = tempDir();
    // 3000 connections, and a server that takes 10 s to answer the first (probe) request: the
    // driver is still connecting when SIGINT comes.
    const file = write(dir, 'connecting.yaml', [
      'defaults:',
      '  pattern: rest',
      '  duration: 5s',
      '  warmup: 0ms',
      '  timeout: 30s',
      '  load: { connections: 3000 }',
      '  server: { delay: 10s }',
    ]);
    const run = cli(['run', file], dir);
    const pid = run.child.pid as number;
    await until(() => run.stderr.includes('[1/1]') && childrenOf(pid).length > 0, 30_000);
    const servers = childrenOf(pid);
    await new Promise((r) => setTimeout(r, 1000));
    const sentAt = Date.now();
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    const ms = Date.now() - sentAt;
    assert.equal(code, 130, stderr);
    assert.ok(ms < 1500, `exited ${ms} ms after SIGINT`);
    const [path] = resultFiles(dir);
    assert.ok(path, 'the result was written');
    const result = JSON.parse(readFileSync(path, 'utf8')) as Result;
    assert.equal(result.endReason, 'interrupted');
    assert.equal(result.cases[0]?.status, 'interrupted');
    for (const server of servers) assert.equal(alive(server), false, `server ${server} was stopped`);
  });
});

describe('results are never lost to --out', () => {
  it('run --out <existing folder> writes the result (and --format reports) inside it', async () => {
    const dir = tempDir();
    const file = write(dir, 'quick.yaml', quick);
    mkdirSync(join(dir, 'out'));
    const { code, stderr } = await cli(['run', file, '--out', 'out', '--format', 'csv'], dir).done;
    assert.equal(code, 0, stderr);
    const written = readdirSync(join(dir, 'out'));
    const json = written.find((f) => /^quick-\d{8}-\d{6}\.json$/.test(f));
    assert.ok(json, `no result in out/: ${written.join(', ')}`);
    assert.ok(
      written.some((f) => f.endsWith('.csv')),
      'the csv report is beside it',
    );
    assert.ok(!written.some((f) => f.endsWith('.tmp')), 'no temp file left');
    const result = JSON.parse(readFileSync(join(dir, 'out', json), 'utf8')) as Result;
    assert.equal(result.endReason, 'completed');

    // report --out <folder> and merge --out <folder> put their files inside it too.
    const r = join('out', json);
    mkdirSync(join(dir, 'reports'));
    const rep = await cli(['report', r, '--format', 'markdown', '--out', 'reports'], dir).done;
    assert.equal(rep.code, 0, rep.stderr);
    assert.ok(existsSync(join(dir, 'reports', json.replace(/\.json$/, '.md'))), rep.stderr);
    const merged = await cli(['merge', r, r, '--out', 'reports/'], dir).done;
    assert.equal(merged.code, 0, merged.stderr);
    assert.ok(
      readdirSync(join(dir, 'reports')).some((f) => /^merged-.*\.json$/.test(f)),
      merged.stderr,
    );
  });

  it('an --out that cannot be written is a usage error before anything runs', async () => {
    const dir = tempDir();
    const file = write(dir, 'quick.yaml', quick);
    writeFileSync(join(dir, 'plain-file'), '');
    const run = await timed(['run', file, '--out', 'plain-file/r.json'], dir);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--out: cannot write files in .*plain-file/);
    assert.doesNotMatch(run.stderr, /\[1\/1\]/, 'nothing was run');
    writeFileSync(join(dir, 'r.json'), JSON.stringify(makeResult()));
    const rep = await timed(['report', 'r.json', '--format', 'markdown', '--out', 'plain-file/'], dir);
    assert.equal(rep.code, 2, rep.stderr);
    assert.match(rep.stderr, /--out: cannot write files in .*plain-file/);
    const merge = await timed(['merge', 'r.json', 'r.json', '--out', 'plain-file/m.json'], dir);
    assert.equal(merge.code, 2, merge.stderr);
    assert.match(merge.stderr, /--out: cannot write files in .*plain-file/);
  });

  it('a --format report that cannot be written is an environment error that keeps the result', async () => {
    const dir = tempDir();
    const file = write(dir, 'quick.yaml', quick);
    mkdirSync(join(dir, 'r.md')); // where the markdown report would go
    const { code, stderr } = await cli(['run', file, '--out', 'r.json', '--format', 'markdown'], dir).done;
    assert.equal(code, 4, stderr);
    assert.doesNotMatch(stderr, /internal error/);
    assert.match(stderr, /cannot write .*r\.md \(EISDIR\); the result is complete at .*r\.json/);
    const result = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Result;
    assert.equal(result.endReason, 'completed');
  });

  it('when the --out folder disappears during the run, the result is saved elsewhere and said where', async () => {
    const dir = tempDir();
    const file = write(dir, 'quick.yaml', [
      'defaults:',
      '  pattern: tcp',
      '  duration: 1500ms',
      '  warmup: 0ms',
    ]);
    mkdirSync(join(dir, 'gone'));
    const run = cli(['run', file, '--out', 'gone/r.json'], dir);
    await until(() => run.stderr.includes('[1/1]'), 30_000);
    rmSync(join(dir, 'gone'), { recursive: true });
    writeFileSync(join(dir, 'gone'), 'now a file');
    const { code, stderr } = await run.done;
    assert.equal(code, 4, stderr);
    assert.doesNotMatch(stderr, /internal error/);
    assert.match(stderr, /cannot write .*gone\/r\.json.*; the result was saved to (.*) instead/);
    const saved = /saved to (\S+) instead/.exec(stderr)?.[1] ?? '';
    const result = JSON.parse(readFileSync(saved, 'utf8')) as Result;
    assert.equal(result.endReason, 'completed');
    assert.ok((result.cases[0]?.summary?.ops ?? 0) > 0, 'the measurement is in it');
  });
});
