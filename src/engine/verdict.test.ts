import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeCases, makeResult, measurement, spec } from '../../test/fixtures/result.js';
import { OpError } from '../toolkit/contract.js';
import { buildSummary, caseFlags } from '../report/model.js';
import { workersAdvice } from '../report/notes.js';
import { checkResult } from '../cli/read-result.js';
import type { CaseResult, Measurement, WindowFigures } from '../result/types.js';
import { loadPlan } from '../scenario/load.js';
import type { LoadSpec } from '../plan/types.js';
import type { DriverReport } from './driver.js';
import { openLoopRules } from './load/open.js';
import { mergeMeasurements } from './aggregate.js';
import { measure } from './measure.js';
import { Recorder } from './recorder.js';
import { decideVerdict, mergeVerdicts, verdictOf } from './verdict.js';

const rate: LoadSpec = { model: 'rate', rate: 1000, connections: 4, inFlight: 1, maxInFlight: 10_000 };
const closed: LoadSpec = { model: 'closed', connections: 50, inFlight: 1 };
const limitFlags = ['driver-saturated', 'server-limited', 'cpu-bound', 'busy-machine'];

function report(r: Recorder, measuredMs: number, eventLoopUtilization = 0.5): DriverReport {
  return {
    ...r.snapshot(measuredMs),
    endReason: 'completed',
    measuredMs,
    payload: { request: 0, response: 0, ops: 0 },
    wire: { read: 0, written: 0 },
    eventLoopDelay: { p50: 0, p99: 0, max: 0 },
    eventLoopUtilization,
  };
}

function okCase(m: Measurement, load: LoadSpec = closed): CaseResult {
  return {
    spec: spec('rest', 1024, { load }),
    status: 'ok',
    repetitions: [{ ...m, repetition: 0 }],
    summary: m,
  };
}

/** The flags of a case that say who limited the run. */
const limitsOf = (c: CaseResult): string[] =>
  caseFlags(c)
    .filter((f) => limitFlags.includes(f.code))
    .map((f) => f.text);

describe('one verdict per window', () => {
  it('a late driver and a backlog longer than its lag: SERVER-LIMITED only (was both flags)', () => {
    // 1000/s for 1 s: 20% of sends waited 8 ms for a connection, another 20% went out 5 ms late.
    const r = new Recorder(0, 1000, true);
    for (let i = 0; i < 1000; i++) {
      const queued = i >= 500 && i < 700 ? 8 : 0;
      const late = i >= 700 && i < 900 ? 5 : 0;
      r.started(i, i + queued + late, false, queued);
      r.ok(i, i + queued + late, i + queued + late + 1, queued);
    }
    const m = measure(0, rate, [report(r, 1000)], { driverCpuUs: 300_000, workers: 1 });
    assert.ok(m.driver.sendLagP99 > 2000, `send lag p99 ${m.driver.sendLagP99}µs over the 2 ms limit`);
    assert.equal(m.verdict.limit, 'SERVER-LIMITED', m.verdict.why);
    assert.deepEqual(limitsOf(okCase(m, rate)), ['SERVER-LIMITED queued 200']);
  });

  it('a never-idle closed-loop driver on a busy machine: BUSY-MACHINE only (was DRIVER-LIMITED too)', () => {
    const base = measurement({
      throughput: 9_000,
      p50: 5_000,
      payload: 2048,
      wire: 2300,
      driverCpuUsPerOp: 100,
      saturated: true,
    });
    const figures: WindowFigures = { ...base, machine: { cores: 2, busyCores: 2, otherCores: 0.6 } };
    const c = okCase({ ...figures, verdict: decideVerdict(figures, {}) });
    assert.deepEqual(limitsOf(c), ['BUSY-MACHINE 0.6 cores']);
    const table = buildSummary(makeResult({ cases: [c] }));
    assert.equal(table.notes.filter((n) => n.topic === 'driver-saturated').length, 0);
  });

  it('follows the order of precedence: starved server, server, errors, machine, both CPUs, driver', () => {
    const base = measurement({ throughput: 1000, p50: 1000, payload: 1, wire: 1, driverCpuUsPerOp: 10 });
    // 10 s windows: the server side used 0.05 cores while other processes used 0.7.
    const server = (cores: number, busiest: number) => ({
      cpuUs: cores * 10_000_000,
      cpuUsPerOp: 0,
      cpuUtilization: busiest,
      maxRssBytes: 1,
    });
    const everything: WindowFigures = {
      ...base,
      dropped: 10,
      errors: { ...base.errors, protocol: 5_000, total: 5_000 },
      machine: { cores: 2, busyCores: 2, otherCores: 0.7 },
      server: server(0.05, 0.95),
      driver: { ...base.driver, eventLoopUtilization: 0.99, sendLagP99: 50_000 },
      backlog: { queued: 0, waitP99: 0, waitMax: 0 },
    };
    const open = openLoopRules(1000, 100);
    const order: [WindowFigures, string][] = [];
    let f = everything;
    order.push([f, 'BUSY-MACHINE']);
    f = { ...f, server: server(0.95, 0.95) };
    order.push([f, 'SERVER-LIMITED']);
    f = { ...f, dropped: 0 };
    order.push([f, 'none']);
    f = { ...f, errors: base.errors };
    order.push([f, 'BUSY-MACHINE']);
    f = { ...f, machine: { cores: 2, busyCores: 1.5, otherCores: 0.1 } };
    order.push([f, 'CPU-BOUND']);
    f = { ...f, server: server(0.3, 0.3) };
    order.push([f, 'DRIVER-LIMITED']);
    f = { ...f, driver: { ...f.driver, sendLagP99: 100 } };
    order.push([f, 'none']);
    const verdicts = order.map(([figures]) => decideVerdict(figures, open));
    assert.deepEqual(
      verdicts.map((v) => v.limit),
      order.map(([, expected]) => expected),
      verdicts.map((v) => v.why).join('\n'),
    );
    assert.match(
      verdicts[0]!.why,
      /used 0\.7 cores of 2 during the window, more than the server side itself \(0\.05 cores\)/,
    );
    assert.equal(verdicts[1]!.figures.dropped, 10, 'the deciding figures are stored');
    assert.match(
      verdicts[1]!.why,
      /on a busy machine: other processes used 0\.7 cores of 2, the server side 0\.95/,
    );
    assert.match(verdicts[2]!.why, /5000 of 15000 operations failed/);
    // Merging repetitions follows the same order.
    const labels = verdicts.map((_, i) => `repetition #${i + 1}`);
    assert.equal(
      mergeVerdicts([...verdicts].reverse(), labels)?.why.startsWith('repetition #7 (2 of 7)'),
      true,
    );
    assert.equal(mergeVerdicts(verdicts.slice(1), labels)?.limit, 'SERVER-LIMITED');
  });

  it('a flood of errors is never read as driver saturation', () => {
    // A closed loop against a server answering HTTP 500: its driver never idles, it only gets errors.
    const r = new Recorder(0, 1000, false);
    for (let i = 0; i < 1000; i++) {
      r.started(i, i, false);
      if (i < 20) r.ok(i, i, i + 1);
      else r.failed(i, i, i + 1, new OpError('protocol', 'HTTP 500'));
    }
    const m = measure(0, closed, [report(r, 1000, 0.99)], {
      driverCpuUs: 990_000,
      workers: 1,
      server: { cpuUs: 200_000, maxRssBytes: 1 },
    });
    assert.equal(m.errors.total, 980);
    assert.equal(m.verdict.limit, 'none', m.verdict.why);
    assert.match(m.verdict.why, /980 of 1000 operations failed/);
    assert.deepEqual(limitsOf(okCase(m)), []);
  });

  it('repetitions merge to the most binding verdict, saying which and how many', () => {
    const none = { limit: 'none', why: 'fine', figures: {} } as const;
    const driver = { limit: 'DRIVER-LIMITED', why: 'late', figures: { sendLagP99Us: 9000 } } as const;
    const merged = mergeVerdicts([none, driver, driver], ['repetition #1', 'repetition #2', 'repetition #3']);
    assert.equal(merged?.limit, 'DRIVER-LIMITED');
    assert.equal(merged?.why, 'repetition #2 (2 of 3): late');
    const reps = [0, 1].map((repetition) => ({
      ...measurement({ repetition, throughput: 1, p50: 1, payload: 1, wire: 1, driverCpuUsPerOp: 1 }),
      verdict: repetition === 1 ? driver : none,
    }));
    assert.equal(mergeMeasurements(reps)?.verdict.limit, 'DRIVER-LIMITED');
  });
});

describe('reports read the stored verdict', () => {
  it('the flag and the note come from the stored verdict, not from the figures', () => {
    // Figures that would read DRIVER-LIMITED (the event loop never idled), stored as SERVER-LIMITED.
    const base = measurement({
      throughput: 1000,
      p50: 1000,
      payload: 1,
      wire: 1,
      driverCpuUsPerOp: 10,
      saturated: true,
    });
    const stored: Measurement = {
      ...base,
      verdict: { limit: 'SERVER-LIMITED', why: 'the stored reason', figures: {} },
    };
    const c = okCase(stored);
    assert.equal(verdictOf(c)?.limit, 'SERVER-LIMITED');
    assert.deepEqual(limitsOf(c), ['SERVER-LIMITED']);
    const notes = buildSummary(makeResult({ cases: [c] })).notes.map((n) => n.text);
    assert.ok(notes.some((t) => t.includes('limited the run (the stored reason)')));
    assert.ok(!notes.some((t) => t.startsWith('DRIVER-LIMITED')));
  });

  it('a result written before verdicts were stored (schemaVersion 1) is judged once, on read', () => {
    const v2 = makeResult();
    const v1 = JSON.parse(JSON.stringify(v2)) as Record<string, unknown> & { cases: CaseResult[] };
    v1.schemaVersion = 1;
    for (const c of v1.cases) {
      for (const m of [...c.repetitions, ...(c.summary ? [c.summary] : [])]) {
        const old = m as unknown as Record<string, unknown> & { driver: Record<string, unknown> };
        delete old.verdict;
        old.driver.saturated = true; // the stored v1 flag is not what decides
        old.driver.saturationReasons = ['old reason'];
      }
    }
    const read = checkResult(v1, 'v1.json');
    assert.equal(read.schemaVersion, 2);
    const limits = read.cases.map((c) => verdictOf(c)?.limit);
    assert.deepEqual(
      limits,
      v2.cases.map((c) => verdictOf(c)?.limit),
    );
    assert.equal(limits[3], 'DRIVER-LIMITED');
    assert.ok(!('saturated' in read.cases[0]!.summary!.driver));
  });
});

describe('driver CPU per operation', () => {
  it('is everything the driver used, with the pacing share beside it (was 0.0µs when pacing took it all)', () => {
    const r = new Recorder(0, 1000, true);
    for (let i = 0; i < 1000; i++) {
      r.started(i, i, false);
      r.ok(i, i, i + 1);
    }
    const rep = { ...report(r, 1000), pacingMs: 900 };
    const m = measure(0, rate, [rep], { driverCpuUs: 900_000, workers: 1 });
    assert.equal(m.driver.cpuUsPerOp, 900, 'all of the driver CPU, per operation');
    assert.equal(m.driver.pacingUs, 900_000);
    const row = buildSummary(makeResult({ cases: [okCase(m, rate)] })).rows.find((r) => r.result)!;
    assert.equal(row.cells.driverCpu, '900µs (100% pacing)');
  });
});

describe('the --workers advice', () => {
  const driverLimited = (c: CaseResult): CaseResult => {
    const m = c.summary!;
    return { ...c, summary: { ...m, verdict: { limit: 'DRIVER-LIMITED', why: 'late', figures: {} } } };
  };

  it('names the case and a value the plan accepts, checked by loading the command it gives', async () => {
    const plan = await loadPlan('rest-vs-grpc');
    const cases = makeCases();
    for (const pattern of ['rest', 'grpc', 'tcp']) {
      const planned = plan.cases.find((s) => s.pattern === pattern)!;
      const c = driverLimited({ ...cases[0]!, spec: planned });
      const result = makeResult({ plan, cases: [c], environment: { ...makeResult().environment, cores: 2 } });
      const row = buildSummary(result).rows.find((r) => r.spec.id === planned.id)!;
      const advice = workersAdvice(result, row);
      const note = buildSummary(result).notes.find((n) => n.topic === 'driver-saturated')!;
      if (pattern === 'grpc') {
        // rest-vs-grpc has a one-connection grpc case: no --workers value is valid for that pattern.
        assert.equal(advice, '');
        assert.doesNotMatch(note.text, /--workers/);
        await assert.rejects(loadPlan('rest-vs-grpc', { pattern: ['grpc'], workers: 2 }), (err: Error) =>
          /2 workers for 1 connections/.test(JSON.stringify(err)),
        );
        continue;
      }
      const command = /commbench run (\S+) --pattern (\S+) --workers (\d+)\.$/.exec(advice);
      assert.ok(command, advice);
      assert.ok(note.text.endsWith(advice));
      assert.equal(command[2], pattern);
      const rerun = await loadPlan(command[1]!, { pattern: [command[2]!], workers: command[3]! });
      assert.ok(rerun.cases.length > 0 && rerun.cases.every((s) => s.workers === Number(command[3])));
    }
  });

  it('is not given for a case with one connection', () => {
    const one = spec('rest', 64, { load: { model: 'closed', connections: 1, inFlight: 1 } });
    const c = driverLimited({ ...makeCases()[2]!, spec: one });
    const result = makeResult({ plan: { ...makeResult().plan, cases: [one] }, cases: [c] });
    const row = buildSummary(result).rows[0]!;
    assert.equal(workersAdvice(result, row), '');
    const note = buildSummary(result).notes.find((n) => n.topic === 'driver-saturated');
    assert.ok(note);
    assert.doesNotMatch(note.text, /--workers/);
  });
});
