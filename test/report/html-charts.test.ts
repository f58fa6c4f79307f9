/**
 * What the HTML report draws over time: latency (p50/p99 per second), throughput and errors per
 * case, CPU per side; a one-second window draws no time series (a lone dot is not a chart).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteTicks, latencyOverTimeChart, windowTimeline } from '../../src/report/charts.js';
import { renderHtml } from '../../src/report/html.js';
import type { CaseResult, Result, TimelinePoint } from '../../src/result/types.js';
import { histogramResult } from '../fixtures/histograms.js';
import { capacityResult } from '../fixtures/result.js';

function withTimelines(r: Result, f: (c: CaseResult, i: number) => TimelinePoint[]): Result {
  return {
    ...r,
    cases: r.cases.map((c, i) => {
      const timeline = f(c, i);
      return {
        ...c,
        summary: { ...c.summary!, timeline },
        repetitions: [{ ...c.summary!, timeline, repetition: 0 }],
      };
    }),
  };
}

function titles(html: string): string[] {
  return [...html.matchAll(/<text[^>]*>((?:Latency|Throughput|Errors|CPU per|Payload)[^<]*)<\/text>/g)].map(
    (m) => m[1]!,
  );
}

test('per group: latency by percentile, latency over time, throughput; CPU by side and bytes', () => {
  const html = renderHtml(histogramResult());
  assert.deepEqual(titles(html), [
    'Latency by percentile — 64B',
    'Latency over time — 64B',
    'Throughput over time — 64B',
    'Latency by percentile — 16KiB',
    'Latency over time — 16KiB',
    'Throughput over time — 16KiB',
    'CPU per operation by side',
    'Payload and wire bytes per operation',
  ]);
  assert.match(html, /No errors in any second of these cases\./);
});

test('errors over time appear for the cases that had errors', () => {
  const r = withTimelines(histogramResult(), (c, i) =>
    c.summary!.timeline.map((p) => ({ ...p, errors: i === 4 && p.t === 3 ? 42 : 0 })),
  );
  const html = renderHtml(r);
  assert.ok(titles(html).includes('Errors over time — 16KiB'));
  assert.ok(!titles(html).includes('Errors over time — 64B'));
  const at = html.indexOf('Errors over time — 16KiB');
  const chart = html.slice(html.lastIndexOf('<svg ', at), at);
  assert.match(chart, />rest<\/text>/, 'the case with errors is in the legend (named within its group)');
  assert.match(chart, /fill="#f28e2b"/, 'in the colour rest 16KiB has in the other charts of its group');
  assert.doesNotMatch(chart, />grpc<\/text>/, 'cases without errors are left out');
});

test('a one-second window draws no time charts and says why', () => {
  const r = withTimelines(histogramResult(), (c) => c.summary!.timeline.slice(0, 1));
  const html = renderHtml(r);
  assert.deepEqual(
    titles(html).filter((t) => / over time/.test(t)),
    [],
  );
  assert.match(html, /The measured window was a single second: no time series to draw/);
  assert.equal(html.match(/<svg /g)?.length, 4, 'latency by percentile ×2, CPU, bytes');
});

test('latency over time draws p50 dashed and p99 solid per case, on a log axis', () => {
  const tl = [1, 2, 3].map((t) => ({ t, ops: 100, errors: 0, p50: 100 * t, p90: 200, p99: 5000, max: 9000 }));
  const svg = latencyOverTimeChart([{ label: 'a', timeline: tl }], 'x', { id: 'x' });
  assert.equal(svg.match(/stroke-dasharray/g)?.length, 1, 'one dashed line (p50)');
  // Log axis from 100 µs to 10 ms: labels at each power of ten.
  for (const label of ['100µs', '1.00ms', '10.0ms'])
    assert.ok(svg.includes(`>${label}<`), `axis label ${label}`);
  const old = tl.map(({ t, ops, errors, p99 }) => ({ t, ops, errors, p99 }));
  const svgOld = latencyOverTimeChart([{ label: 'a', timeline: old }], 'x', { id: 'x' });
  assert.equal(svgOld.match(/stroke-dasharray/g), null, 'results without p50 draw p99 only');
});

test('byte axes tick at powers of two', () => {
  assert.deepEqual(byteTicks(33 * 1024), { interval: 8192, max: 40960 });
  assert.deepEqual(byteTicks(388), { interval: 64, max: 448 });
});

test('a last part second is drawn at the window end as a rate, not as a fall to half the throughput', () => {
  const second = (t: number, ops: number) => ({ t, ops, errors: 0, p50: 100, p90: 150, p99: 300, max: 400 });
  const reps = [
    { durationMs: 1_500, timeline: [second(1, 1000), second(2, 500)] },
    { durationMs: 1_500, timeline: [second(1, 980), second(2, 505)] },
  ];
  assert.deepEqual(
    windowTimeline(reps).map((p) => [p.t, p.ops]),
    [
      [1, 1000],
      [1.5, 1000],
      [2.5, 980],
      [3, 1010],
    ],
  );
  // A sliver under a fifth of a second is no rate at all: left out.
  assert.deepEqual(
    windowTimeline([{ durationMs: 2_100, timeline: [second(1, 1000), second(2, 1000), second(3, 100)] }]).map(
      (p) => p.t,
    ),
    [1, 2],
  );
});

test('the CPU and bytes charts name each row once, capacity rows included', () => {
  const html = renderHtml(capacityResult());
  for (const title of ['CPU per operation by side', 'Payload and wire bytes per operation']) {
    const at = html.indexOf(`>${title}<`);
    const svg = html.slice(html.lastIndexOf('<svg ', at), html.indexOf('</svg>', at));
    const labels = [...svg.matchAll(/text-anchor="end"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]!);
    assert.equal(labels.length, capacityResult().cases.length, `${title}: ${labels.join(' | ')}`);
    assert.equal(new Set(labels).size, labels.length, `${title}: a name twice in ${labels.join(' | ')}`);
    assert.ok(labels.includes('tcp capacity 64B') && labels.includes('tcp 64B'), labels.join(' | '));
  }
});
