#!/usr/bin/env node
// The hostile battery: runs the built CLI (bin/commbench.js; `npm run build` first) against hostile
// servers (scripts/hostile/servers.mjs), broken files, special paths, signals and missing or wrong
// brokers, one case at a time, and prints per case: exit code, duration, leftover processes,
// whether a special file was replaced, and the first line of output. A case is BAD when it reports
// success for a failure, prints a stack trace, runs past its limit (its timeout + 2 s), leaves a
// process behind or replaces a special file. Exit code: the number of BAD cases (0 = all good).
//
//   node scripts/hostile-battery.mjs [--only <substring>] [--markdown]
//
// Everything is on loopback; special files are made in a temp folder (mkfifo, mknod as root),
// never the real /dev/null or /dev/full.
import { execFileSync, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  lstatSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostileServers } from './hostile/servers.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/commbench.js');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const markdown = args.includes('--markdown');
const token = `battery-${process.pid}-${Date.now()}`;
const base = mkdtempSync(join(tmpdir(), 'commbench-battery-'));

// ---------- special files (copies made here) ----------
const special = {
  fifo: join(base, 'fifo'),
  dev: join(base, 'null-copy'),
  link: join(base, 'link-to-dev.json'),
};
execFileSync('mkfifo', [special.fifo]);
let haveDev = true;
try {
  execFileSync('mknod', [special.dev, 'c', '1', '3']);
  symlinkSync(special.dev, special.link);
} catch {
  haveDev = false; // not root: the device cases use the FIFO
  special.dev = special.fifo;
  symlinkSync(special.fifo, special.link);
}
function specialsIntact() {
  const bad = [];
  if (!statSync(special.fifo).isFIFO()) bad.push('fifo');
  if (haveDev && !statSync(special.dev).isCharacterDevice()) bad.push('device');
  if (!lstatSync(special.link).isSymbolicLink()) bad.push('symlink');
  return bad;
}

// ---------- helpers ----------
function yaml(dir, name, pattern, extra = []) {
  const file = join(dir, name);
  const defaults = ['  duration: 1s', '  warmup: 0ms', '  timeout: 2s', '  load: { connections: 2 }'];
  const key = (line) => line.trim().split(':')[0];
  const lines = [
    'defaults:',
    `  pattern: ${pattern}`,
    ...defaults.filter((d) => !extra.some((e) => key(e) === key(d))),
    ...extra,
  ];
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function resultJson(startedAt, finishedAt) {
  return JSON.stringify({
    schemaVersion: 1,
    tool: { name: 'commbench', version: '0.1.0' },
    startedAt,
    finishedAt,
    environment: {},
    plan: { name: 'p', description: '', source: 'x', cases: [] },
    cases: [],
    endReason: 'completed',
  });
}

/** A real result to feed report/merge/compare: one quick tcp run, made once. */
let sample;
function sampleResult() {
  if (sample) return sample;
  const dir = join(base, 'sample');
  mkdirSync(dir);
  const file = yaml(dir, 'quick.yaml', 'tcp', []);
  execFileSync(process.execPath, [bin, 'run', file, '--duration', '300ms', '--out', join(dir, 'r.json')], {
    stdio: 'ignore',
  });
  sample = join(dir, 'r.json');
  return sample;
}

/** Processes left by a case: its marker in their environment, or its folder in their command line. */
function leftovers(marker, dir) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1');
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      if (env.includes(marker) || cmd.includes(dir)) found.push(`${entry} ${cmd.slice(0, 60)}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Reads the case's r.json; throws `what` unless `ok(result, text)`. */
function expectResult(c, ok, what) {
  const text = readFileSync(join(c.dir, 'r.json'), 'utf8');
  if (!ok(JSON.parse(text), text)) throw new Error(what);
}

/** The first case's window (summary or first repetition), or an empty one. */
const windowOf = (r) => r.cases[0].summary ?? r.cases[0].repetitions[0] ?? { errors: {}, ops: 0 };

const stackRe = /^\s+at .+(:\d+:\d+\)?|\(native\))$|internal error|Unhandled|node:internal/m;

function firstLine(stdout, stderr) {
  const lines = `${stderr}\n${stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(commbench:|warning:)/.test(l)) ?? lines[0] ?? '';
}

/**
 * Runs one CLI invocation in its own process group (as a terminal's foreground job), killed at
 * `limitMs`; `signal` = { sig, when: (stderr) => boolean | ms, delayMs, group } sends a signal mid-run
 * (`delayMs` after `when` first holds).
 */
function runCli(argv, dir, { limitMs, signal, env = {} }) {
  return new Promise((resolvePromise) => {
    const marker = `${token}-${Math.random().toString(36).slice(2)}`;
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const started = Date.now();
    const child = spawn(process.execPath, [bin, ...argv], {
      cwd: dir,
      env: { ...process.env, FORCE_COLOR: '0', COMMBENCH_BATTERY: marker, TMPDIR: tmp, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    let signalled = false;
    let armed = false;
    const sendSignal = () => {
      if (signalled || !signal) return;
      signalled = true;
      try {
        process.kill(signal.group ? -child.pid : child.pid, signal.sig);
      } catch {
        // already gone
      }
    };
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (signal && typeof signal.when === 'function' && !armed && signal.when(stderr)) {
        armed = true;
        setTimeout(sendSignal, signal.delayMs ?? 0);
      }
    });
    const sigTimer =
      signal && typeof signal.when === 'number' ? setTimeout(sendSignal, signal.when) : undefined;
    const killer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, limitMs);
    child.on('close', async (code, sig) => {
      clearTimeout(killer);
      clearTimeout(sigTimer);
      const ms = Date.now() - started;
      await new Promise((r) => setTimeout(r, 700)); // children stopping after the CLI
      resolvePromise({
        code: code ?? (sig ? `sig ${sig}` : null),
        ms,
        stdout,
        stderr,
        hung,
        marker,
      });
    });
  });
}

// ---------- the cases ----------
// expect: 'fail' (any non-zero, never 0), 'ok' (0), 'any' (decided by `after`), or a list of exit codes.
const T = (pattern, url) => ['--target', `${pattern}=${url}`];
const cases = [
  // servers
  {
    id: 'rest: 200 then only HTTP 500',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'rest'),
      ...T('rest', `http://127.0.0.1:${c.port('then-500')}`),
    ],
  },
  {
    id: 'rest: always 429 Retry-After',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'rest'),
      ...T('rest', `http://127.0.0.1:${c.port('always-429')}`),
    ],
  },
  {
    id: 'rest: garbage bytes',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest'), ...T('rest', `http://127.0.0.1:${c.port('garbage')}`)],
  },
  {
    id: 'rest: headers then close',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'rest'),
      ...T('rest', `http://127.0.0.1:${c.port('headers-then-close')}`),
    ],
  },
  {
    id: 'rest: stops answering after 50',
    group: 'server',
    expect: 'fail',
    limitMs: 9000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'rest'),
      ...T('rest', `http://127.0.0.1:${c.port('stops-answering')}`),
    ],
  },
  {
    id: 'rest: silent server',
    group: 'server',
    expect: 'fail',
    limitMs: 9000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest'), ...T('rest', `http://127.0.0.1:${c.port('silent')}`)],
  },
  {
    id: 'rest: endless body',
    group: 'server',
    expect: 'fail',
    limitMs: 9000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'rest'),
      ...T('rest', `http://127.0.0.1:${c.port('endless-body')}`),
    ],
  },
  {
    id: 'rest: nothing listening',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest'), ...T('rest', 'http://127.0.0.1:9')],
  },
  {
    id: 'rest: unresolvable host',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest'), ...T('rest', 'http://no-such-host.invalid:8080')],
  },
  {
    id: 'rest: https:// to plain port',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest'), ...T('rest', `https://127.0.0.1:${c.port('http1')}`)],
  },
  {
    id: 'grpc grpc-js: HTTP/1 server',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'grpc', ['  options: { grpc: { client: grpc-js } }']),
      ...T('grpc', `grpc://127.0.0.1:${c.port('http1')}`),
    ],
  },
  {
    id: 'grpc http2: HTTP/1 server',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'grpc', ['  options: { grpc: { client: http2 } }']),
      ...T('grpc', `grpc://127.0.0.1:${c.port('http1')}`),
    ],
  },
  {
    id: 'rest-h2: HTTP/1 server',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'rest-h2'),
      ...T('rest-h2', `http://127.0.0.1:${c.port('http1')}`),
    ],
  },
  {
    id: 'websocket: HTTP/1 server (no upgrade)',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'websocket'),
      ...T('websocket', `ws://127.0.0.1:${c.port('http1')}`),
    ],
  },
  {
    id: 'websocket: closes 1011 every 20',
    group: 'server',
    expect: 'any',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'websocket'),
      ...T('websocket', `ws://127.0.0.1:${c.port('ws-1011')}`),
      '--out',
      'r.json',
    ],
    // The client reconnects, so the run measures; the closes must be counted as errors, not hidden.
    after: async (c) => {
      const r = JSON.parse(readFileSync(join(c.dir, 'r.json'), 'utf8'));
      const m = r.cases[0].summary ?? r.cases[0].repetitions[0];
      if (!(m.errors.total > 0 && m.ops > 20)) throw new Error(`ops ${m.ops}, errors ${m.errors.total}`);
    },
  },
  {
    id: 'sse: invalid event lines',
    group: 'server',
    expect: 'fail',
    limitMs: 9000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'sse'),
      ...T('sse', `http://127.0.0.1:${c.port('sse-invalid')}`),
    ],
  },
  {
    id: 'rest --rate: answers 150, then stalls',
    group: 'server',
    expect: 'fail',
    limitMs: 12000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'rest', ['  duration: 2s', '  timeout: 1s']),
      ...T('rest', `http://127.0.0.1:${c.port('stops-answering-150')}`),
      '--rate',
      '100',
      '--out',
      'r.json',
    ],
    // More succeeded than failed: the stall, not the share of errors, fails it.
    after: async (c) =>
      expectResult(
        c,
        (r, text) =>
          windowOf(r).ops > windowOf(r).errors.total && text.includes('the server stopped answering'),
        'not failed as a stall with more successes than failures',
      ),
  },
  {
    id: 'check: a stalled run',
    group: 'server',
    expect: 'fail',
    limitMs: 12000,
    run: (c) => {
      try {
        execFileSync(
          process.execPath,
          [
            bin,
            'run',
            yaml(c.dir, 's.yaml', 'rest'),
            ...T('rest', `http://127.0.0.1:${c.port('stops-answering')}`),
            '--out',
            join(c.dir, 'r.json'),
          ],
          { stdio: 'ignore', cwd: c.dir },
        );
      } catch {
        // the run fails (exit 3); its result is what check reads
      }
      return ['check', join(c.dir, 'r.json'), '--threshold', 'errors<1000'];
    },
  },
  {
    id: 'rest-h2: 1 GiB Content-Length',
    group: 'server',
    expect: 'fail',
    limitMs: 9000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'rest-h2'),
      ...T('rest-h2', `http://127.0.0.1:${c.port('h2-huge')}`),
      '--out',
      'r.json',
    ],
    after: async (c) => expectResult(c, (_r, text) => text.includes('64 MiB a client reads'), 'no oversize'),
  },
  {
    id: 'grpc: 100 MiB message',
    group: 'server',
    expect: 'fail',
    limitMs: 9000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'grpc'),
      ...T('grpc', `grpc://127.0.0.1:${c.port('h2-huge')}`),
      '--out',
      'r.json',
    ],
    after: async (c) =>
      expectResult(c, (_r, text) => /larger than max|64 MiB a client reads/.test(text), 'no oversize'),
  },
  {
    id: 'websocket: 80 MiB frame',
    group: 'server',
    expect: 'fail',
    limitMs: 9000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'websocket'),
      ...T('websocket', `ws://127.0.0.1:${c.port('ws-huge')}`),
      '--out',
      'r.json',
    ],
    after: async (c) => expectResult(c, (_r, text) => text.includes('64 MiB a client reads'), 'no oversize'),
  },
  {
    id: 'sse: an event without end',
    group: 'server',
    expect: 'fail',
    limitMs: 12000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'sse', ['  duration: 2s']),
      ...T('sse', `http://127.0.0.1:${c.port('sse-endless')}`),
      '--out',
      'r.json',
    ],
    after: async (c) =>
      expectResult(c, (r) => (windowOf(r).errors.oversize ?? 0) > 0, 'no oversize error counted'),
  },
  {
    id: 'graphql: always 429 Retry-After',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'graphql'),
      ...T('graphql', `http://127.0.0.1:${c.port('always-429')}`),
      '--out',
      'r.json',
    ],
    after: async (c) =>
      expectResult(
        c,
        (_r, text) => text.includes('the server asked to retry after 2 s'),
        'no Retry-After said',
      ),
  },
  {
    id: 'poll: always 429 Retry-After',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'poll'),
      ...T('poll', `http://127.0.0.1:${c.port('always-429')}`),
      '--out',
      'r.json',
    ],
    after: async (c) =>
      expectResult(
        c,
        (_r, text) => text.includes('the server asked to retry after 2 s'),
        'no Retry-After said',
      ),
  },
  {
    id: 'tcp: garbage frames',
    group: 'server',
    expect: 'fail',
    limitMs: 8000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'tcp'), ...T('tcp', `tcp://127.0.0.1:${c.port('garbage')}`)],
  },
  // files
  {
    id: 'scenario file missing',
    group: 'files',
    expect: [2],
    limitMs: 5000,
    run: () => ['run', 'no-such.yaml'],
  },
  {
    id: 'scenario is a folder',
    group: 'files',
    expect: [2],
    limitMs: 5000,
    run: (c) => (mkdirSync(join(c.dir, 'd.yaml')), ['run', 'd.yaml']),
  },
  {
    id: 'scenario is a FIFO',
    group: 'files',
    expect: [2],
    limitMs: 5000,
    run: (c) => (execFileSync('mkfifo', [join(c.dir, 'f.yaml')]), ['validate', 'f.yaml']),
  },
  {
    id: 'scenario YAML broken',
    group: 'files',
    expect: [2],
    limitMs: 5000,
    run: (c) => (writeFileSync(join(c.dir, 'b.yaml'), 'defaults: [\n  pattern: rest\n'), ['run', 'b.yaml']),
  },
  {
    id: 'report: truncated result',
    group: 'files',
    expect: [2],
    limitMs: 5000,
    run: (c) => (
      writeFileSync(join(c.dir, 't.json'), readFileSync(sampleResult(), 'utf8').slice(0, 500)),
      ['report', 't.json']
    ),
  },
  {
    id: 'report: result is a device',
    group: 'files',
    expect: [2],
    limitMs: 5000,
    run: () => ['report', special.dev],
  },
  {
    id: 'check: corrupted histogram',
    group: 'files',
    expect: [2],
    limitMs: 5000,
    run: (c) => {
      const r = JSON.parse(readFileSync(sampleResult(), 'utf8'));
      r.cases[0].summary.latency.encoded = 'HISTFAAAAnotbase64!!';
      writeFileSync(join(c.dir, 'h.json'), JSON.stringify(r));
      return ['check', 'h.json', '--threshold', 'p99<1s'];
    },
  },
  {
    id: 'merge: 33 minutes apart',
    group: 'files',
    expect: [2],
    limitMs: 5000,
    run: (c) => {
      const r = JSON.parse(readFileSync(sampleResult(), 'utf8'));
      writeFileSync(join(c.dir, 'a.json'), JSON.stringify(r));
      const s = (t) => new Date(Date.parse(t) + 33 * 60_000).toISOString();
      writeFileSync(
        join(c.dir, 'b.json'),
        JSON.stringify({ ...r, startedAt: s(r.startedAt), finishedAt: s(r.finishedAt) }),
      );
      return ['merge', 'a.json', 'b.json', '--out', 'm.json'];
    },
  },
  {
    id: 'merge: different scenarios',
    group: 'files',
    expect: [2],
    limitMs: 5000,
    run: (c) => (
      writeFileSync(join(c.dir, 'e.json'), resultJson('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z')),
      ['merge', sampleResult(), 'e.json', '--out', 'm.json']
    ),
  },
  {
    id: '-d @missing-file',
    group: 'files',
    expect: [2],
    limitMs: 8000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest'), '-d', '@missing.json'],
  },
  // paths
  {
    id: 'run --out FIFO',
    group: 'paths',
    expect: [2],
    limitMs: 8000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'tcp'), '--out', special.fifo],
  },
  {
    id: 'run --out symlink to device',
    group: 'paths',
    expect: [2],
    limitMs: 8000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'tcp'), '--out', special.link],
  },
  {
    id: 'merge --out device',
    group: 'paths',
    expect: [2],
    limitMs: 5000,
    run: () => ['merge', sampleResult(), sampleResult(), '--out', special.dev],
  },
  {
    id: 'report --out FIFO',
    group: 'paths',
    expect: [2],
    limitMs: 5000,
    run: () => ['report', sampleResult(), '--format', 'markdown', '--out', special.fifo],
  },
  {
    id: 'compare --out device',
    group: 'paths',
    expect: [2],
    limitMs: 5000,
    run: () => ['compare', sampleResult(), sampleResult(), '--out', special.dev],
  },
  {
    id: 'run --out under a file',
    group: 'paths',
    expect: [2],
    limitMs: 8000,
    run: (c) => (
      writeFileSync(join(c.dir, 'file'), ''),
      ['run', yaml(c.dir, 's.yaml', 'tcp'), '--out', 'file/r.json']
    ),
  },
  {
    id: 'run --results-dir is a file',
    group: 'paths',
    expect: [2],
    limitMs: 8000,
    run: (c) => (
      writeFileSync(join(c.dir, 'res'), ''),
      ['run', yaml(c.dir, 's.yaml', 'tcp'), '--results-dir', 'res']
    ),
  },
  {
    id: 'two runs, same --out',
    group: 'paths',
    expect: [2],
    limitMs: 12000,
    run: async (c) => {
      const file = yaml(c.dir, 'long.yaml', 'tcp', ['  duration: 6s']);
      const first = spawn(process.execPath, [bin, 'run', file, '--out', 'same.json'], {
        cwd: c.dir,
        stdio: 'ignore',
      });
      c.background = new Promise((r) => first.on('close', r));
      await new Promise((r) => setTimeout(r, 1500));
      return ['run', file, '--out', 'same.json'];
    },
    after: async (c) => {
      await c.background;
      JSON.parse(readFileSync(join(c.dir, 'same.json'), 'utf8'));
    },
  },
  // signals
  {
    id: 'SIGINT during rest run',
    group: 'signals',
    expect: [130],
    limitMs: 12000,
    signal: { sig: 'SIGINT', group: true, when: (e) => e.includes('[1/1]') },
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest', ['  duration: 5s'])],
  },
  {
    id: 'SIGTERM during rest-proxy run',
    group: 'signals',
    expect: 'fail',
    limitMs: 15000,
    signal: { sig: 'SIGTERM', when: (e) => e.includes('[1/1]') },
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest-proxy', ['  duration: 5s'])],
  },
  {
    id: 'SIGINT waiting for --start-at',
    group: 'signals',
    expect: 'fail',
    limitMs: 8000,
    signal: { sig: 'SIGINT', group: true, when: (e) => e.includes('starting at'), delayMs: 1500 },
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'tcp'),
      '--start-at',
      new Date(Date.now() + 60_000).toISOString(),
    ],
  },
  {
    id: 'SIGKILL of the CLI mid-run',
    group: 'signals',
    expect: 'fail',
    limitMs: 12000,
    signal: { sig: 'SIGKILL', when: (e) => e.includes('[1/1]'), delayMs: 1500 },
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest-proxy', ['  duration: 5s'])],
  },
  // brokers
  {
    id: 'nats: --broker-url refused',
    group: 'brokers',
    expect: 'fail',
    limitMs: 12000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'nats'), '--broker-url', 'nats=nats://127.0.0.1:9'],
  },
  {
    id: 'redis-streams: broker is HTTP',
    group: 'brokers',
    expect: 'fail',
    limitMs: 12000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'redis-streams'),
      '--broker-url',
      `redis=redis://127.0.0.1:${c.port('http1')}`,
    ],
  },
  {
    id: 'amqp: broker silent',
    group: 'brokers',
    expect: 'fail',
    limitMs: 15000,
    run: (c) => [
      'run',
      yaml(c.dir, 's.yaml', 'amqp'),
      '--broker-url',
      `amqp=amqp://guest:guest@127.0.0.1:${c.port('silent')}`,
    ],
  },
  {
    id: 'serve nats --port N',
    group: 'brokers',
    expect: [2],
    limitMs: 8000,
    run: (c) => ['serve', 'nats', '--port', String(c.port('taken-port'))],
  },
  {
    id: 'serve websocket, port taken',
    group: 'brokers',
    expect: [4],
    limitMs: 8000,
    run: (c) => ['serve', 'websocket', '--port', String(c.port('taken-port'))],
  },
  {
    id: 'serve rest-proxy, port taken',
    group: 'brokers',
    expect: [4],
    limitMs: 8000,
    run: (c) => ['serve', 'rest-proxy', '--port', String(c.port('taken-port'))],
  },
  // flags
  {
    id: '-m on a rest run',
    group: 'flags',
    expect: [2],
    limitMs: 8000,
    run: (c) => ['run', yaml(c.dir, 's.yaml', 'rest'), '-m', '{"a":1}'],
  },
];

// ---------- run ----------
const servers = new Map();
async function port(name) {
  if (!servers.has(name)) servers.set(name, await hostileServers[name]());
  return servers.get(name).port;
}

const rows = [];
let bad = 0;
for (const def of cases) {
  if (only && !def.id.includes(only)) continue;
  const dir = join(base, def.id.replace(/\W+/g, '-'));
  mkdirSync(dir);
  // Ports are started before the case (c.port is synchronous inside run()).
  const names = Object.keys(hostileServers).filter((n) => def.run.toString().includes(`'${n}'`));
  for (const n of names) await port(n);
  const c = { dir, port: (n) => servers.get(n).port };
  const argv = await def.run(c);
  const r = await runCli(argv, dir, { limitMs: def.limitMs, signal: def.signal });
  let afterProblem = '';
  if (def.after) await def.after(c).catch((err) => (afterProblem = `after: ${err.message}`));
  r.left = leftovers(r.marker, dir);
  const replaced = specialsIntact();
  const success = r.code === 0;
  const problems = [];
  if (def.expect === 'fail' && success) problems.push('SUCCESS FOR A FAILURE');
  if (def.expect === 'ok' && !success) problems.push('expected success');
  if (Array.isArray(def.expect) && !def.expect.includes(r.code))
    problems.push(`expected exit ${def.expect.join('/')}`);
  if (stackRe.test(r.stderr) || stackRe.test(r.stdout)) problems.push('STACK TRACE');
  if (r.hung) problems.push(`HUNG past ${def.limitMs} ms`);
  if (r.left.length > 0) problems.push(`ORPHANS: ${r.left.join('; ')}`);
  if (replaced.length > 0) problems.push(`SPECIAL FILE REPLACED: ${replaced.join(', ')}`);
  if (afterProblem) problems.push(afterProblem);
  if (problems.length > 0) bad++;
  rows.push({
    id: def.id,
    group: def.group,
    exit: String(r.code),
    ms: r.ms,
    orphans: r.left.length,
    special: replaced.length > 0 ? 'REPLACED' : 'intact',
    verdict: problems.length === 0 ? 'ok' : `BAD: ${problems.join('; ')}`,
    first: firstLine(r.stdout, r.stderr).slice(0, 160),
  });
  process.stderr.write(`${problems.length === 0 ? 'ok ' : 'BAD'} ${def.id} (exit ${r.code}, ${r.ms} ms)\n`);
}
for (const s of servers.values()) await s.close();
rmSync(base, { recursive: true, force: true });

if (markdown) {
  console.log('| # | group | case | exit | time | orphans | special files | verdict | first line |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  rows.forEach((r, i) =>
    console.log(
      `| ${i + 1} | ${r.group} | ${r.id} | ${r.exit} | ${(r.ms / 1000).toFixed(1)} s | ${r.orphans} | ${r.special} | ${r.verdict} | ${r.first.replace(/\|/g, '\\|')} |`,
    ),
  );
} else {
  for (const [i, r] of rows.entries())
    console.log(
      `${String(i + 1).padStart(2)} ${r.group.padEnd(8)} ${r.id.padEnd(34)} exit ${r.exit.padEnd(4)} ${(r.ms / 1000).toFixed(1).padStart(5)} s  orphans ${r.orphans}  ${r.special.padEnd(8)} ${r.verdict}\n     ${r.first}`,
    );
}
console.log(`\n${rows.length} cases, ${bad} bad`);
process.exitCode = Math.min(bad, 100);
