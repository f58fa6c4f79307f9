/**
 * SVG charts, rendered without a browser by Apache ECharts' server-side SVG renderer (synchronous,
 * no DOM): pure functions of their data returning an SVG string that markdown links to and HTML
 * inlines. Animation is off and sizes fixed, so the same data gives the same bytes.
 */
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import { decodeHistogram } from '../metrics/histogram.js';
import type { LatencySummary, TimelinePoint } from '../result/types.js';
import { formatBytes, formatCount, formatMicros } from '../units.js';

export interface ChartSize {
  readonly width: number;
  readonly height: number;
}

export interface LatencySeries {
  readonly label: string;
  /** Must carry an encoded histogram; series without one are left out (and named in the subtitle). */
  readonly latency: LatencySummary;
}

export interface TimelineSeries {
  readonly label: string;
  readonly timeline: readonly TimelinePoint[];
}

export interface BytesSeries {
  readonly label: string;
  /** Serialized request + response bytes per operation. */
  readonly payload: number;
  /** Bytes on the client's sockets per operation. */
  readonly wire: number;
}

const palette = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
/** Options every chart takes: its size, and a prefix for its SVG element ids (unique per page). */
export interface ChartOptions {
  readonly size?: ChartSize;
  readonly id?: string;
}

const font = { fontFamily: 'Helvetica, Arial, sans-serif', fontSize: 12, color: '#333' };

/** Where the legend goes: a column on the right, so it never overlaps the plot. */
const legend = {
  type: 'plain',
  orient: 'vertical',
  right: 10,
  top: 60,
  itemGap: 8,
  textStyle: { fontSize: 11 },
} as const;
const legendWidth = 190;

function render(option: EChartsOption, size: ChartSize, idPrefix: string): string {
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: size.width,
    height: size.height,
  });
  try {
    chart.setOption({
      animation: false,
      color: palette,
      textStyle: font,
      backgroundColor: '#ffffff',
      ...option,
    });
    // ECharts numbers element ids and classes per process (zr0-c0, zr3-cls-7): renumber them per chart,
    // so output is reproducible and several SVGs inlined in one page keep distinct ids.
    const ids = new Map<string, string>();
    return chart.renderToSVGString().replace(/\bzr\d+-[A-Za-z0-9-]+/g, (token) => {
      if (!ids.has(token)) ids.set(token, `${idPrefix}-${ids.size}`);
      return ids.get(token)!;
    });
  } finally {
    chart.dispose();
  }
}

/** '99.9%' for x = 1000, '50%' for 2: the percentile at x = 1/(1 - p). */
export function percentileLabel(x: number): string {
  const p = (1 - 1 / x) * 100;
  return `${Number(p.toFixed(5))}%`;
}

/**
 * Latency by percentile, as HdrHistogram plots draw it: x is 1/(1 - p) on a log axis labelled
 * 0%, 90%, 99%, 99.9% … (so the tail gets as much room as the body), y the latency. One line per
 * series, up to the highest percentile its sample count supports (at most 99.999%). The y axis is
 * logarithmic when the series span more than 30×, else linear from 0.
 */
export function latencyPercentileChart(
  series: readonly LatencySeries[],
  title: string,
  opts: ChartOptions = {},
): string {
  const size = opts.size ?? { width: 820, height: 360 };
  const drawn = series.filter((s) => s.latency.encoded !== '' && s.latency.count > 0);
  const lines = drawn.map((s) => {
    const h = decodeHistogram(s.latency.encoded);
    const top = Math.min(1e5, h.totalCount);
    const points: [number, number][] = [];
    for (let i = 0; i <= 100; i++) {
      const x = 10 ** ((Math.log10(top) * i) / 100);
      const p = Math.min(100, (1 - 1 / x) * 100);
      points.push([Number(x.toPrecision(6)), h.getValueAtPercentile(p) / 1000]);
    }
    return { name: s.label, points };
  });
  const ys = lines.flatMap((l) => l.points.map(([, y]) => y)).filter((y) => y > 0);
  const logY = ys.length > 0 && Math.max(...ys) / Math.min(...ys) > 30;
  const missing = series.filter((s) => !drawn.includes(s)).map((s) => s.label);
  return render(
    {
      title: {
        text: title,
        subtext:
          missing.length > 0
            ? `no histogram: ${missing.join(', ')}`
            : 'latency by percentile (log scale: each step is ten times rarer)',
        left: 10,
        textStyle: { fontSize: 14, fontWeight: 'bold' },
        subtextStyle: { fontSize: 11, color: '#666' },
      },
      legend,
      grid: { left: 70, right: legendWidth + 20, top: 70, bottom: 50 },
      xAxis: {
        type: 'log',
        min: 1,
        max: 1e5,
        name: 'percentile',
        nameLocation: 'middle',
        nameGap: 28,
        axisLabel: { formatter: (v: number) => percentileLabel(v) },
        splitLine: { show: true, lineStyle: { color: '#eee' } },
      },
      yAxis: {
        type: logY ? 'log' : 'value',
        ...(logY ? {} : { min: 0 }),
        name: 'latency (ms)',
        nameLocation: 'middle',
        nameGap: 50,
        axisLabel: { formatter: (v: number) => formatMicros(v * 1000) },
        splitLine: { lineStyle: { color: '#eee' } },
      },
      series: lines.map((l) => ({
        type: 'line',
        name: l.name,
        data: l.points,
        showSymbol: false,
        lineStyle: { width: 2 },
      })),
    },
    size,
    opts.id ?? 'latency',
  );
}

/** Completed operations per second over the measured window(s), one line per series. */
export function throughputChart(
  series: readonly TimelineSeries[],
  title: string,
  opts: ChartOptions = {},
): string {
  const size = opts.size ?? { width: 820, height: 300 };
  return render(
    {
      title: {
        text: title,
        subtext: 'completed operations per second of the measured window (repetitions one after another)',
        left: 10,
        textStyle: { fontSize: 14, fontWeight: 'bold' },
        subtextStyle: { fontSize: 11, color: '#666' },
      },
      legend,
      grid: { left: 70, right: legendWidth + 20, top: 70, bottom: 50 },
      xAxis: { type: 'value', name: 'seconds', nameLocation: 'middle', nameGap: 28, min: 0, minInterval: 1 },
      yAxis: {
        type: 'value',
        min: 0,
        name: 'ops/s',
        nameLocation: 'middle',
        nameGap: 50,
        axisLabel: { formatter: (v: number) => formatCount(v) },
        splitLine: { lineStyle: { color: '#eee' } },
      },
      series: series.map((s) => ({
        type: 'line',
        name: s.label,
        data: s.timeline.map((p) => [p.t, p.ops]),
        symbolSize: 5,
        lineStyle: { width: 2 },
      })),
    },
    size,
    opts.id ?? 'throughput',
  );
}

/** Payload and wire bytes per operation, one pair of horizontal bars per series. */
export function bytesChart(series: readonly BytesSeries[], title: string, opts: ChartOptions = {}): string {
  const height = opts.size?.height ?? Math.max(170, 120 + series.length * 34);
  const labels = series.map((s) => s.label);
  return render(
    {
      title: {
        text: title,
        subtext: 'serialized payload vs all bytes on the client sockets (headers, framing)',
        left: 10,
        textStyle: { fontSize: 14, fontWeight: 'bold' },
        subtextStyle: { fontSize: 11, color: '#666' },
      },
      legend: { top: 58, left: 10 },
      grid: { left: 170, right: 70, top: 90, bottom: 30 },
      xAxis: {
        type: 'value',
        min: 0,
        axisLabel: { formatter: (v: number) => formatBytes(v) },
        splitLine: { lineStyle: { color: '#eee' } },
      },
      yAxis: { type: 'category', data: labels, inverse: true },
      series: [
        {
          type: 'bar',
          name: 'payload',
          data: series.map((s) => s.payload),
          label: {
            show: true,
            position: 'right',
            formatter: (p: { value: unknown }) => formatBytes(Number(p.value)),
          },
        },
        {
          type: 'bar',
          name: 'wire',
          data: series.map((s) => s.wire),
          label: {
            show: true,
            position: 'right',
            formatter: (p: { value: unknown }) => formatBytes(Number(p.value)),
          },
        },
      ],
    },
    { width: opts.size?.width ?? 820, height },
    opts.id ?? 'bytes',
  );
}
