import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeResult, measurement, spec } from '../../test/fixtures/result.js';
import type { SearchStep } from '../result/types.js';
import type { RowGroup } from './groups.js';
import { searchCharts } from './mermaid.js';
import { buildSummary } from './model.js';

const step = (rate: number, throughput: number, p99Ms: number, met: boolean): SearchStep => ({
  rate,
  throughput,
  p50: 100,
  p99: p99Ms * 1000,
  errors: 0,
  dropped: 0,
  queued: 0,
  driverLimited: false,
  serverCpuUsPerOp: 10,
  driverCpuUsPerOp: 5,
  met,
  broke: met ? [] : ['p99 over'],
});

describe('capacity search charts', () => {
  it('one throughput and one p99 chart per knee row, steps in rate order, broken ones marked, the objective on the axis', () => {
    const search = {
      objective: { p99Ms: 20, maxQueuedShare: 0.01 },
      // run order: up, up, broke, bisected
      steps: [
        step(1000, 1000, 1, true),
        step(2000, 2000, 2, true),
        step(4000, 3000, 300, false),
        step(3000, 3000, 5, true),
      ],
      capacity: 3000,
      end: 'knee' as const,
      verdict: 'capacity 3,000/s',
    };
    const groups = [
      { label: '', rows: [{ cells: { case: 'rest 64B' }, result: { summary: { search } } }] },
      { label: '', rows: [{ cells: { case: 'tcp 64B' }, result: { summary: {} } }] },
    ] as unknown as RowGroup[];
    const charts = searchCharts(groups);
    assert.equal(charts.length, 2, 'rows without a search draw none');
    const [ops, p99] = charts.map((c) => c.source);
    assert.match(ops!, /x-axis \["1000\/s", "2000\/s", "3000\/s", "4000\/s ✗"\]/);
    assert.match(ops!, /bar \[1000, 2000, 3000, 3000\]/);
    assert.match(ops!, /line \[1000, 2000, 3000, 4000\]/);
    // p99 bars are capped at 4× the objective so one blown step does not flatten the others
    assert.match(p99!, /bar \[1, 2, 5, 80\]/);
    assert.match(p99!, /line \[20, 20, 20, 20\]/);
    assert.match(p99!, /y-axis "p99 \(ms\)" 0 --> 100/);
  });
});

describe('capacity spread in the summary', () => {
  it("a knee row's detail states the spread of its repetitions' capacities", () => {
    const m = measurement({ throughput: 3000, p50: 900, payload: 128, wire: 300, driverCpuUsPerOp: 30 });
    const search = {
      objective: { p99Ms: 20, maxQueuedShare: 0.01 },
      steps: [step(3000, 3000, 2, true), step(3100, 3000, 300, false)],
      capacity: 3000,
      end: 'knee' as const,
      verdict: 'capacity 3,000/s (p99 ≤ 20 ms; broke at 3,100/s: p99 over)',
      capacities: [3000, 2900, 3100, 3000, 0],
      spread: { n: 4, min: 2900, max: 3100, cv: 0.0272 },
    };
    const s = spec('rest', 64, { repeat: 5 });
    const result = makeResult({
      plan: { ...makeResult().plan, cases: [s] },
      cases: [{ spec: s, status: 'ok', repetitions: [m], summary: { ...m, search } }],
    });
    const detail = buildSummary(result).rows[0]!.cells.detail;
    assert.match(detail, /capacity 3,000\/s/);
    assert.match(detail, /capacity over 4 of 5 repetitions: CV 2\.7%, 2,900–3,100\/s/);
  });
});
