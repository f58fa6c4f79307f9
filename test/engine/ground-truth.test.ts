import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { runCase } from '../../src/engine/runner.js';
import type { CaseResult } from '../../src/result/types.js';
import type { CaseSpec } from '../../src/plan/types.js';
import { caseSpec } from './helpers.js';
import { needNginxEcho, startNginx } from './nginx.js';

/**
 * An HTTP echo server commbench did not write, with a known capacity: it answers one request at a
 * time, each `serviceMs` after the previous answer was due (absolute deadlines, so timer lateness
 * does not accumulate): at most 1000 / serviceMs answers per second, whatever the connections.
 */
const fixedCapacityServer = `
const http = require('node:http');
const serviceMs = Number(process.argv[1]);
const queue = [];
let busyUntil = 0;
let timer;
const next = () => {
  if (timer || queue.length === 0) return;
  const finishAt = Math.max(performance.now(), busyUntil) + serviceMs;
  busyUntil = finishAt;
  timer = setTimeout(() => {
    timer = undefined;
    const answer = queue.shift();
    answer();
    next();
  }, Math.max(0, finishAt - performance.now()));
};
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    queue.push(() => res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body));
    next();
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startFixedCapacityServer(serviceMs: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', fixedCapacityServer, String(serviceMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, url: `http://127.0.0.1:${line.toString().trim()}` };
}

/** Runs a rest case against a fixed-capacity server serving `capacity`/s, then stops the server. */
async function runAgainstCapacity(
  capacity: number,
  durationMs: number,
  load: CaseSpec['load'],
): Promise<CaseResult> {
  const { child, url } = await startFixedCapacityServer(1000 / capacity);
  try {
    return await runCase(caseSpec({ pattern: 'rest', target: url, warmupMs: 300, durationMs, load }));
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * The engine's numbers checked against real servers whose behaviour we control: an injected
 * service delay must read back as that delay, and a server frozen for a second during an
 * open-loop run must show in the corrected p99 but not in the service times.
 */
describe('ground truth', () => {
  it('a server that adds 20 ms reads back as 20 ms more at p50 (within 3%)', async () => {
    // Same pattern, same open-loop rate, with and without the injected delay: the difference of the
    // medians is the delay the engine measured (the round trip itself costs ~0.1–1 ms at idle).
    const load = { model: 'rate', rate: 150, connections: 8, inFlight: 1, maxInFlight: 1000 } as const;
    const [baseline, delayed] = [
      await runCase(caseSpec({ pattern: 'rest', serverDelayMs: 0, durationMs: 2000, load })),
      await runCase(caseSpec({ pattern: 'rest', serverDelayMs: 20, durationMs: 2000, load })),
    ];
    for (const r of [baseline, delayed]) {
      assert.equal(r.status, 'ok', r.error?.message);
      assert.equal(r.summary?.errors.total, 0);
      assert.equal(r.summary?.dropped, 0);
    }
    const added = (delayed.summary?.latency.p50 ?? 0) - (baseline.summary?.latency.p50 ?? 0);
    assert.ok(Math.abs(added - 20_000) <= 600, `measured added delay ${added}µs at p50`);
    assert.ok((delayed.summary?.latency.min ?? 0) >= 20_000, 'no response faster than the delay');
    assert.ok(Math.abs((delayed.summary?.throughput ?? 0) - 150) < 5);
  });

  it('a server frozen (SIGSTOP) for 1 s in a 10 s open-loop run shows in p99, not in service time, and is SERVER-LIMITED', async () => {
    let freeze: NodeJS.Timeout | undefined;
    const result = await runCase(
      caseSpec({
        pattern: 'rest',
        warmupMs: 500,
        durationMs: 10_000,
        load: { model: 'rate', rate: 300, connections: 10, inFlight: 1, maxInFlight: 10_000 },
      }),
      {
        hooks: {
          serverStarted(_spec, server) {
            freeze = setTimeout(() => {
              process.kill(server.pid, 'SIGSTOP');
              setTimeout(() => process.kill(server.pid, 'SIGCONT'), 1000);
            }, 4500);
          },
        },
      },
    );
    clearTimeout(freeze);
    assert.equal(result.status, 'ok', result.error?.message);
    const s = result.summary;
    assert.ok(s);
    assert.equal(s.dropped, 0);
    assert.equal(s.errors.total, 0);
    assert.ok(Math.abs(s.throughput - 300) < 10, `throughput ${s.throughput}`);
    // The driver sent on time; the operations due during the freeze waited for a free connection.
    assert.equal(s.verdict.limit, 'SERVER-LIMITED', s.verdict.why);
    assert.ok(s.backlog);
    assert.ok(s.backlog.queued > 250, `queued ${s.backlog.queued}`);
    assert.ok(s.backlog.waitMax > 900_000, `backlog wait max ${s.backlog.waitMax}µs`);
    // ~300 of ~3000 operations were due during the freeze, waiting up to 1 s: p99 ≈ 0.9 s.
    assert.ok(s.latency.p99 > 700_000 && s.latency.p99 < 1_300_000, `corrected p99 ${s.latency.p99}µs`);
    assert.ok(s.latency.max > 950_000, `corrected max ${s.latency.max}µs`);
    // Only the 10 requests on the wire at the freeze saw it as service time.
    assert.ok(s.service.p99 < 200_000 && s.service.p99 * 4 < s.latency.p99, `service p99 ${s.service.p99}µs`);
    const worst = Math.max(...s.timeline.map((p) => p.p99));
    assert.ok(worst > 700_000, 'the freeze shows in the per-second timeline');
  });

  it('a server with a known capacity offered 1.3× of it reads back at its capacity, and the driver is not blamed', async () => {
    // One answer every 5 ms: the server's true capacity is 200/s; offered 260/s open loop.
    const capacity = 200;
    const result = await runAgainstCapacity(capacity, 2000, {
      model: 'rate',
      rate: capacity * 1.3,
      connections: 8,
      inFlight: 1,
      maxInFlight: 10_000,
    });
    assert.equal(result.status, 'ok', result.error?.message);
    const s = result.summary;
    assert.ok(s);
    assert.equal(s.errors.total, 0);
    assert.ok(
      s.throughput <= capacity * 1.05,
      `reported ${s.throughput}/s for a server that serves ${capacity}/s`,
    );
    assert.ok(s.throughput >= capacity * 0.85, `reported ${s.throughput}/s`);
    assert.ok((s.drained ?? 0) > 50, `the backlog left at the window's end is drained apart: ${s.drained}`);
    assert.equal(s.verdict.limit, 'SERVER-LIMITED', s.verdict.why);
    const timeline = s.timeline.reduce((a, p) => a + p.ops, 0);
    assert.equal(timeline, s.ops, 'the timeline holds what the throughput counts, no drain');
  });
  it('the knee search finds a known capacity: 400/s read back within 25%, every step kept', async () => {
    // One answer every 2.5 ms: 400/s. Steps 200, 400 (just broken, confirmed), then bisected; each
    // step holds 2,000 operations (at most 4 s), so the search takes ~30 s.
    const capacity = 400;
    const result = await runAgainstCapacity(capacity, 1000, {
      model: 'knee',
      from: 200,
      to: 6400,
      factor: 2,
      refine: 2,
      p99Ms: 100,
      budgetMs: 40_000,
      connections: 8,
      inFlight: 1,
      maxInFlight: 10_000,
    });
    assert.equal(result.status, 'ok', result.error?.message);
    const search = result.summary?.search;
    assert.ok(search, 'the result keeps the search');
    assert.equal(search.end, 'knee', search.verdict);
    assert.ok(search.capacity !== undefined, search.verdict);
    assert.ok(
      search.capacity >= capacity * 0.75 && search.capacity <= capacity * 1.25,
      `capacity ${search.capacity}/s for a server that serves ${capacity}/s: ${search.verdict}`,
    );
    assert.ok(search.steps.length >= 4 && search.steps.length <= 12, `${search.steps.length} steps`);
    const broken = search.steps.filter((s) => !s.met);
    assert.ok(
      broken.length > 0 && broken.every((s) => s.rate > search.capacity!),
      'it broke above the capacity',
    );
    assert.ok(
      broken.every((s) => !s.driverLimited),
      `the driver is not blamed: ${broken.map((s) => s.broke.join(', ')).join('; ')}`,
    );
    assert.match(search.verdict, /^capacity [\d,]+\/s \(p99 ≤ 100 ms; broke at/);
    const row = result.summary!.throughput;
    assert.ok(
      Math.abs(row - search.capacity) <= 0.1 * search.capacity,
      `the row shows the capacity step: ${row}/s vs ${search.capacity}/s`,
    );
  });
});

describe('ground truth: the open loop against nginx (echo module, a fixed 5 ms delay)', () => {
  it('1000/s over 32 connections: p50 5.0–5.5 ms, p99 ≤ 9.5 ms, the driver under half a core (spinning takes a whole one) and not blamed, its CPU/op × ops/s its CPU', async (t) => {
    const nginx = needNginxEcho(t);
    if (!nginx) return;
    const server = await startNginx(nginx, { server: 'location / { echo_sleep 0.005; echo ok; }' });
    try {
      // One 8 s window can be spoiled by a neighbour on a shared CI machine; a systematic error (the
      // driver's lag counted as latency, a spinning driver) fails every window. So: a second window
      // when the first misses, and the test fails when both do, with both readings.
      const misses: string[] = [];
      for (let attempt = 1; attempt <= 2; attempt++) {
        const miss = await openLoopWindow(server.url);
        if (miss === undefined) return;
        misses.push(`window ${attempt}: ${miss}`);
      }
      assert.fail(misses.join('\n'));
    } finally {
      await server.stop();
    }
  });
});

/** One 8 s window at 1000/s over 32 connections against `url`: what missed the bounds, or undefined. */
async function openLoopWindow(url: string): Promise<string | undefined> {
  // This process's CPU read from /proc (not the engine's reading) over the middle of the window.
  const procCpuMs = (): number => {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in USER_HZ (100/s)
  };
  // Two readings inside the window (it runs from 2 s to 10 s after the load starts), on the ticks.
  const mid: { atMs: number; cpuMs: number }[] = [];
  const result = await runCase(
    caseSpec({
      pattern: 'rest',
      target: `${url}/delay`,
      request: { method: 'GET' },
      warmupMs: 2000,
      durationMs: 8000,
      load: { model: 'rate', rate: 1000, connections: 32, inFlight: 1, maxInFlight: 10_000 },
    }),
    {
      hooks: {
        tick(_spec, p) {
          const want = mid.length === 0 ? 3000 : 8000;
          if (mid.length < 2 && p.elapsedMs >= want && p.elapsedMs < 9900)
            mid.push({ atMs: p.elapsedMs, cpuMs: procCpuMs() });
        },
      },
    },
  );
  assert.equal(result.status, 'ok', result.error?.message);
  const s = result.summary;
  assert.ok(s);
  const seen = `p50 ${s.latency.p50}µs p99 ${s.latency.p99}µs, send lag p99 ${s.driver.sendLagP99}µs, driver ${s.driver.cpuUtilization.toFixed(3)} cores (${s.driver.pacing?.pacing}: ${s.driver.pacing?.reason}), ${s.verdict.limit}: ${s.verdict.why}`;
  // Errors and a wrong rate are never the neighbours': they fail at once.
  assert.equal(s.errors.total, 0, seen);
  assert.ok(Math.abs(s.throughput - 1000) < 20, `throughput ${s.throughput}; ${seen}`);
  assert.equal(mid.length, 2, 'both /proc readings taken inside the window');
  // drv CPU/op × ops/s against what /proc says this process used in the middle of the window.
  const procCoreShare = (mid[1]!.cpuMs - mid[0]!.cpuMs) / (mid[1]!.atMs - mid[0]!.atMs);
  const engineCoreShare = (s.driver.cpuUsPerOp * s.throughput) / 1e6;
  const missed = [
    s.latency.p50 >= 5000 && s.latency.p50 <= 5500 ? '' : 'p50 outside 5.0–5.5 ms',
    s.latency.p99 <= 9500 ? '' : 'p99 above 9.5 ms',
    s.verdict.limit !== 'DRIVER-LIMITED' && s.verdict.limit !== 'CPU-BOUND'
      ? ''
      : `blamed ${s.verdict.limit}`,
    // Spinning keeps a whole core busy at any rate; sleeping costs what it sends. What one send
    // costs depends on the machine: a wake-up of a sleeping Node thread took 80–100 µs of CPU on
    // one 2-core VM and a third of that on another, so the bound here is the mechanism's (half a
    // core, where spinning would read 1.0); the quarter-core goal is measured by `npm run bench`.
    s.driver.cpuUtilization <= 0.5 ? '' : 'driver above half a core',
    Math.abs(engineCoreShare - procCoreShare) <= 0.3 * procCoreShare
      ? ''
      : `drv CPU/op ${s.driver.cpuUsPerOp.toFixed(1)}µs × ${s.throughput.toFixed(0)}/s = ${engineCoreShare.toFixed(3)} cores vs ${procCoreShare.toFixed(3)} from /proc`,
  ].filter(Boolean);
  return missed.length === 0 ? undefined : `${missed.join('; ')} — ${seen}`;
}
