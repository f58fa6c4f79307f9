/**
 * Gates that neither cry wolf nor miss, on real result files: they never pass on missing data (a
 * head that lacks a case of the base, a case that crashed), two single runs of the same code never
 * fail them, and against independent servers with fixed delays (written here, in Python) the same
 * delay passes while 10 ms → 11 ms fails.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { renderJson } from '../../src/result/json.js';
import { makeResult } from '../fixtures/result.js';
import { assertBuilt, cli, tempDir, until } from './cli.js';

let dir = '';
before(() => {
  assertBuilt();
  dir = tempDir();
});

const quick = ['--duration', '300ms', '--warmup', '100ms', '--connections', '2'];

test('compare: a base with two cases against a head with one exits 3 and names the missing case', async () => {
  const base = await cli(['run', 'smoke', '--pattern', 'tcp,rest', ...quick, '--out', 'base.json'], dir).done;
  assert.equal(base.code, 0, base.stderr);
  const head = await cli(['run', 'smoke', '--pattern', 'tcp', ...quick, '--out', 'head.json'], dir).done;
  assert.equal(head.code, 0, head.stderr);

  const table = await cli(['compare', 'base.json', 'head.json', '--threshold', '1000%'], dir).done;
  assert.equal(table.code, 3, table.stdout + table.stderr);
  assert.match(
    table.stdout,
    /FAILED: 1 gated case or metric without data: rest 256B \(rest\): missing in head/,
  );
  assert.doesNotMatch(table.stdout, /No regression/);
  assert.match(table.stderr, /1 gated case or metric without data[\s\S]*rest 256B[\s\S]*missing in head/);

  const md = await cli(
    ['compare', 'base.json', 'head.json', '--threshold', '1000%', '--format', 'markdown'],
    dir,
  ).done;
  assert.equal(md.code, 3);
  assert.match(md.stdout, /^### commbench compare: ❌ 1 missing or incomplete/);
  assert.match(md.stdout, /⚠️ FAILED: .*rest 256B.*missing in head/);

  // The other way round, a case new in the head is not missing: same data, exit 0.
  const grown = await cli(['compare', 'head.json', 'base.json', '--threshold', '1000%'], dir).done;
  assert.equal(grown.code, 0, grown.stdout + grown.stderr);
  assert.match(grown.stdout, /not compared: rest 256B .*only in head/);

  // Two single runs of the same code: nothing can be told from noise, so the gate does not fail...
  const again = await cli(['run', 'smoke', '--pattern', 'tcp,rest', ...quick, '--out', 'again.json'], dir)
    .done;
  assert.equal(again.code, 0, again.stderr);
  const aa = await cli(['compare', 'base.json', 'again.json'], dir).done;
  assert.equal(aa.code, 0, aa.stdout + aa.stderr);
  assert.match(aa.stdout, /tcp 256B +throughput .* n too small \(1\/1\) +can't tell/);
  assert.doesNotMatch(aa.stdout, /REGRESSED/);
  assert.match(
    aa.stdout,
    /Inconclusive: no regression found, but (\d) of \1 gated comparisons could not be tested/,
  );
  // ...unless --strict asks for a gate that tested everything.
  const strict = await cli(['compare', 'base.json', 'again.json', '--strict'], dir).done;
  assert.equal(strict.code, 3, strict.stdout + strict.stderr);
  assert.match(strict.stderr, /hint: run both sides with --repeat 5/);
});

test('check: a crashed case crosses every threshold on it, with the reason (exit 3)', async () => {
  writeFileSync(join(dir, 'crashed.json'), renderJson(makeResult()));
  const r = await cli(['check', 'crashed.json', '--threshold', 'websocket.p99<1s'], dir).done;
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /CROSSED {2}websocket 1KiB: p99 .* \(partial\) \(threshold < 1\.00s\): the case did not complete \(server-crashed: server process exited/,
  );
  assert.match(r.stderr, /websocket\.p99<1s: websocket 1KiB \(the case did not complete/);
});

/** An HTTP server that answers every GET after `delay` seconds (time.sleep: no event-loop timer rounding). */
const delayServer = `
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
delay = float(sys.argv[1])
class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True
    def do_GET(self):
        time.sleep(delay)
        self.send_response(200)
        self.send_header('content-length', '2')
        self.end_headers()
        self.wfile.write(b'ok')
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
`;

const servers: ChildProcess[] = [];
after(() => {
  for (const s of servers) s.kill();
});

async function startDelayServer(delayMs: number): Promise<{ pid: number; url: string }> {
  const child = spawn('python3', ['-c', delayServer, String(delayMs / 1000)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(child);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { pid: child.pid!, url: `http://127.0.0.1:${line.toString().trim()}/` };
}

test('compare --repeat 5 against independent servers: 10 ms vs 10 ms passes, 10 ms vs 11 ms fails on p50', async () => {
  const run = async (delayMs: number, out: string): Promise<void> => {
    const server = await startDelayServer(delayMs);
    const r = await cli(
      [
        'run',
        'smoke',
        '--pattern',
        'rest',
        '--target',
        `rest=${server.url}`,
        '-X',
        'GET',
        '--server-pid',
        String(server.pid),
        '--repeat',
        '5',
        '--duration',
        '2s',
        '--warmup',
        '200ms',
        '--out',
        out,
      ],
      dir,
    ).done;
    assert.equal(r.code, 0, r.stdout + r.stderr);
  };
  await run(10, 'd10.json');
  await run(10, 'd10-again.json');
  await run(11, 'd11.json');

  // --server-pid: the Python server's CPU and memory are stored like those of commbench's own servers.
  const result = JSON.parse(readFileSync(join(dir, 'd10.json'), 'utf8')) as {
    cases: { repetitions: { server?: { cpuUs: number; maxRssBytes: number } }[] }[];
  };
  for (const rep of result.cases[0]!.repetitions) {
    assert.ok(rep.server !== undefined, 'server figures stored');
    assert.ok(rep.server.maxRssBytes > 1_000_000, `python's RSS ${rep.server.maxRssBytes}`);
  }
  const checked = await cli(['check', 'd10.json', '--threshold', 'rest.serverCpu<50ms'], dir).done;
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);

  // Same vs same on p50, the figure the delay sets: the p99 of ~300 operations a second on a shared
  // 2-core machine is the scheduler's (at load average 13 one A/A pair in two read p99 +109%).
  const same = await cli(['compare', 'd10.json', 'd10-again.json', '--fail-on', 'p50:+5%'], dir).done;
  assert.equal(same.code, 0, same.stdout + same.stderr);
  const slower = await cli(['compare', 'd10.json', 'd11.json'], dir).done;
  assert.equal(slower.code, 3, slower.stdout + slower.stderr);
  assert.match(slower.stdout, /^\s+p50 +\d+\.\dms +\d+\.\dms +\+\d+\.\d%.* REGRESSED$/m);
});

test('run --server-pid: not running or no --target is a usage error (exit 2); exiting mid-run fails the case (exit 4)', async () => {
  const gone = await cli(
    [
      'run',
      'smoke',
      '--pattern',
      'rest',
      '--target',
      'rest=http://127.0.0.1:9/',
      '--server-pid',
      '999999999',
    ],
    dir,
  ).done;
  assert.equal(gone.code, 2, gone.stderr);
  assert.match(gone.stderr, /^commbench: --server-pid 999999999: no process 999999999 is running\nhint: /);
  const server = await startDelayServer(1);
  const own = await cli(['run', 'smoke', '--pattern', 'rest', '--server-pid', String(server.pid)], dir).done;
  assert.equal(own.code, 2, own.stderr);
  assert.match(
    own.stderr,
    /--server-pid: no case drives a server commbench did not start\nhint: use it with --target/,
  );

  // The server goes away inside the measured window: the case fails, naming it, rather than reading 0 CPU.
  const run = cli(
    [
      'run',
      'smoke',
      '--pattern',
      'rest',
      '--target',
      `rest=${server.url}`,
      '-X',
      'GET',
      '--server-pid',
      String(server.pid),
      '--duration',
      '3s',
      '--warmup',
      '200ms',
      '--out',
      'exited.json',
    ],
    dir,
  );
  await until(() => run.stderr.includes('starting'), 30_000);
  await new Promise((r) => setTimeout(r, 1000));
  servers.at(-1)!.kill();
  const exited = await run.done;
  assert.equal(exited.code, 4, exited.stdout + exited.stderr);
  assert.match(
    exited.stderr,
    new RegExp(`rest: --server-pid ${server.pid}: the process exited during the run`),
  );
});
