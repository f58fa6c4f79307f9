/**
 * SVG charts, rendered without a browser by Apache ECharts' server-side SVG renderer (synchronous,
 * no DOM): pure functions of their data returning an SVG string that markdown links to and HTML
 * inlines. Animation is off and sizes fixed, so the same data gives the same bytes.
 */
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import { decodeHistogram } from '../metrics/histogram.js';
import type { LatencySummary, TimelinePoint } from '../result/types.js';
import { formatBytes, formatCount, formatMicros, formatSize } from '../units.js';

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
  /** Series colour (default: by position), so a case keeps its colour in a chart that shows only some cases. */
  readonly color?: string;
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
  top: 60,
  itemGap: 8,
  textStyle: { fontSize: 11 },
} as const;
/**
 * Width of `text` in px at `fontSize`, estimated generously (Helvetica/Arial/DejaVu widths: digits
 * and most lower-case letters at most 0.62 em, wide letters and symbols more), so a label sized by
 * it is never cut by the SVG's edge.
 */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text)
    em += /[mwMW@%—→×]/.test(ch) ? 0.95 : /[A-Z]/.test(ch) ? 0.72 : /[ il.,:;'|!]/.test(ch) ? 0.32 : 0.62;
  return Math.ceil(em * fontSize);
}

/**
 * The legend of the charts with one line per series: a column on the right sized to the longest
 * label, or, when that would leave the plot too narrow, a list under the plot (the chart grows by
 * its height). Either way no label is cut, and `size` is the chart's size with it.
 */
function seriesLegend(labels: readonly string[], size: ChartSize) {
  const widest = Math.max(0, ...labels.map((l) => textWidth(l, legend.textStyle.fontSize)));
  const column = widest + 40; // symbol, gap, margins
  if (column <= size.width * 0.4) {
    // Placed from the left by this estimate: ECharts' own text measure (no canvas when rendering
    // on the server) is narrower than browsers' fonts, so anchoring it on the right cuts labels.
    return {
      legend: { ...legend, left: size.width - column },
      grid: { left: 70, right: column + 10, top: 70, bottom: 50 },
      size,
    };
  }
  const extra = labels.length * 20 + 10;
  return {
    legend: { ...legend, left: 10, top: size.height - 10 },
    grid: { left: 70, right: 30, top: 70, bottom: 50 + extra },
    size: { width: size.width, height: size.height + extra },
  };
}

/** A chart's bold title and grey subtitle, top left. */
function heading(text: string, subtext: string) {
  return {
    text,
    subtext,
    left: 10,
    textStyle: { fontSize: 14, fontWeight: 'bold' },
    subtextStyle: { fontSize: 11, color: '#666' },
  } as const;
}

/** The x axis of every time chart: seconds of the measured window, whole seconds. */
const secondsAxis = {
  type: 'value',
  name: 'seconds',
  nameLocation: 'middle',
  nameGap: 28,
  min: 0,
  minInterval: 1,
} as const;

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

/** The linear y axis from 0 of a rate ('ops/s', 'errors/s'); `whole`: ticks at whole numbers only. */
function perSecondAxis(name: string, whole = false) {
  return {
    type: 'value',
    min: 0,
    ...(whole ? { minInterval: 1 } : {}),
    name,
    nameLocation: 'middle',
    nameGap: 50,
    axisLabel: { formatter: (v: number) => formatCount(v) },
    splitLine: { lineStyle: { color: '#eee' } },
  } as const;
}

/** '99.9%' for x = 1000, '50%' for 2: the percentile at x = 1/(1 - p). */
export function percentileLabel(x: number): string {
  const p = (1 - 1 / x) * 100;
  return `${Number(p.toFixed(5))}%`;
}

/**
 * The latency axis every latency chart uses: logarithmic, in ms, from the power of ten below the
 * smallest value to the one above the largest (so charts side by side read the same way).
 */
function latencyAxis(valuesMs: readonly number[]) {
  const ys = valuesMs.filter((y) => y > 0);
  const lo = ys.length === 0 ? 0.01 : 10 ** Math.floor(Math.log10(Math.min(...ys)));
  const hi = ys.length === 0 ? 1 : 10 ** Math.ceil(Math.log10(Math.max(...ys)));
  return {
    type: 'log',
    logBase: 10,
    min: lo,
    max: hi > lo ? hi : lo * 10,
    name: 'latency (log)',
    nameLocation: 'middle',
    nameGap: 50,
    axisLabel: { formatter: (v: number) => formatMicros(v * 1000) },
    splitLine: { lineStyle: { color: '#eee' } },
  } as const;
}

/**
 * Byte-axis ticks at 1, 2, 4, 8 … × 1, 1024, 1024² (so labels read 0, 8KiB, 16KiB, 24KiB instead of
 * 0, 5000, 10000): the interval and the axis end for `max` bytes, about 4–8 ticks.
 */
export function byteTicks(max: number): { interval: number; max: number } {
  if (!(max > 0)) return { interval: 16, max: 64 };
  let interval = 1;
  while (max / interval > 8) interval *= 2;
  return { interval, max: Math.ceil((max * 1.08) / interval) * interval };
}

/** Room left of a horizontal bar chart for its category labels (12 px), so none is cut. */
function categoryRoom(labels: readonly string[]): number {
  return Math.max(80, ...labels.map((l) => textWidth(l, font.fontSize) + 20));
}

/**
 * A case's seconds as a chart draws them: each repetition's seconds one after another, and a last
 * second the window covered only in part (a 1.5 s window's second second) placed at the window's
 * end with its count scaled to a rate, so it does not read as a drop to half the throughput.
 */
export function windowTimeline(
  repetitions: readonly { readonly durationMs: number; readonly timeline: readonly TimelinePoint[] }[],
): TimelinePoint[] {
  const out: TimelinePoint[] = [];
  let offset = 0;
  for (const r of repetitions) {
    const window = r.durationMs / 1000;
    for (const p of r.timeline) {
      const covered = Math.min(1, window - (p.t - 1));
      if (covered < 0.2) continue; // too short a slice to be a rate
      const scale = (n: number): number => Math.round(n / covered);
      out.push({
        ...p,
        t: Number((offset + p.t - 1 + covered).toFixed(3)),
        ops: scale(p.ops),
        errors: scale(p.errors),
      });
    }
    offset += window;
  }
  return out;
}

/** The size of every chart in the HTML report: two side by side on a 1400 px screen. */
export const cardSize: ChartSize = { width: 600, height: 320 };

/** True when some series has at least two seconds to draw (one second draws a lone dot). */
export function hasTimeSeries(series: readonly TimelineSeries[]): boolean {
  return series.some((s) => s.timeline.length >= 2);
}

/**
 * Latency by percentile, as HdrHistogram plots draw it: x is 1/(1 - p) on a log axis labelled
 * 0%, 90%, 99%, 99.9% … (so the tail gets as much room as the body), y the latency. One line per
 * series, up to the highest percentile its sample count supports (at most 99.999%). The y axis is
 * logarithmic, as on every latency chart of the report (./charts.ts latencyAxis).
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
  const missing = series.filter((s) => !drawn.includes(s)).map((s) => s.label);
  const lg = seriesLegend(
    drawn.map((l) => l.label),
    size,
  );
  return render(
    {
      title: heading(
        title,
        missing.length > 0
          ? textWidth(`no histogram: ${missing.join(', ')}`, 11) < lg.size.width - 20
            ? `no histogram: ${missing.join(', ')}`
            : `no histogram: ${missing.length} of ${series.length} cases`
          : 'latency by percentile (log scales: each step right is ten times rarer)',
      ),
      legend: lg.legend,
      grid: lg.grid,
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
      yAxis: latencyAxis(lines.flatMap((l) => l.points.map(([, y]) => y))),
      series: lines.map((l) => ({
        type: 'line',
        name: l.name,
        data: l.points,
        showSymbol: false,
        lineStyle: { width: 2 },
      })),
    },
    lg.size,
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
  const lg = seriesLegend(
    series.map((l) => l.label),
    size,
  );
  return render(
    {
      title: heading(title, 'operations completed per second; a last part second as its rate'),
      legend: lg.legend,
      grid: lg.grid,
      xAxis: secondsAxis,
      yAxis: perSecondAxis('ops/s'),
      series: series.map((s) => ({
        type: 'line',
        name: s.label,
        data: s.timeline.map((p) => [p.t, p.ops]),
        symbolSize: 5,
        lineStyle: { width: 2 },
      })),
    },
    lg.size,
    opts.id ?? 'throughput',
  );
}

/** Payload and wire bytes per operation, one pair of horizontal bars per series. */
export function bytesChart(series: readonly BytesSeries[], title: string, opts: ChartOptions = {}): string {
  const height = opts.size?.height ?? Math.max(170, 120 + series.length * 34);
  const labels = series.map((s) => s.label);
  return render(
    {
      title: heading(title, 'serialized payload vs all bytes on the client sockets (headers, framing)'),
      legend: { top: 58, left: 10 },
      grid: { left: categoryRoom(labels), right: 70, top: 90, bottom: 30 },
      xAxis: {
        type: 'value',
        min: 0,
        ...byteTicks(Math.max(...series.flatMap((s) => [s.payload, s.wire]))),
        axisLabel: { formatter: (v: number) => formatSize(v) },
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

/**
 * Latency of each second: p99 solid, p50 dashed, one colour per series, log axis. Points written
 * before p50 was recorded draw p99 only.
 */
export function latencyOverTimeChart(
  series: readonly TimelineSeries[],
  title: string,
  opts: ChartOptions = {},
): string {
  const size = opts.size ?? cardSize;
  const ms = (us: number): number => us / 1000;
  const lines = series.flatMap((s, i) => {
    const color = palette[i % palette.length]!;
    const p99 = s.timeline.filter((p) => p.ops > 0).map((p) => [p.t, ms(p.p99)] as [number, number]);
    const p50 = s.timeline
      .filter((p) => p.ops > 0 && p.p50 !== undefined)
      .map((p) => [p.t, ms(p.p50!)] as [number, number]);
    const base = { type: 'line' as const, name: s.label, color, symbolSize: 4 };
    return [
      { ...base, data: p99, lineStyle: { width: 2, color } },
      ...(p50.length > 0
        ? [{ ...base, data: p50, lineStyle: { width: 1.5, type: 'dashed' as const, color } }]
        : []),
    ];
  });
  const lg = seriesLegend(
    series.map((l) => l.label),
    size,
  );
  return render(
    {
      title: heading(title, 'per second of the measured window: solid p99, dashed p50 (log scale)'),
      legend: lg.legend,
      grid: lg.grid,
      xAxis: secondsAxis,
      yAxis: latencyAxis(lines.flatMap((l) => l.data.map(([, y]) => y))),
      series: lines,
    },
    lg.size,
    opts.id ?? 'latency-time',
  );
}

/** The colour of the i-th series of a chart. */
export function seriesColor(i: number): string {
  return palette[i % palette.length]!;
}

/** Failed operations per second, one bar series per case (pass only the cases that had errors). */
export function errorsOverTimeChart(
  series: readonly TimelineSeries[],
  title: string,
  opts: ChartOptions = {},
): string {
  const size = opts.size ?? cardSize;
  const lg = seriesLegend(
    series.map((l) => l.label),
    size,
  );
  return render(
    {
      title: heading(title, 'failed operations per second (timeouts, connection, protocol, mismatch)'),
      legend: lg.legend,
      grid: lg.grid,
      xAxis: secondsAxis,
      yAxis: perSecondAxis('errors/s', true),
      series: series.map((s, i) => ({
        type: 'bar',
        name: s.label,
        color: s.color ?? palette[i % palette.length],
        barMaxWidth: 14,
        data: s.timeline.map((p) => [p.t, p.errors]),
      })),
    },
    lg.size,
    opts.id ?? 'errors-time',
  );
}

export interface CpuSeries {
  readonly label: string;
  /** Driver (load generator) CPU per operation, µs. */
  readonly driver: number;
  /** Server process CPU per operation, µs (absent for --target runs). */
  readonly server?: number;
  /** Helper processes' CPU per operation (hops, proxies, brokers), µs, by role. */
  readonly helpers: readonly { readonly role: string; readonly cpuUsPerOp: number }[];
}

/**
 * CPU per operation by side: the driver's bar, and the server side's stacked bar (server process
 * plus its helper processes), per case.
 */
export function cpuChart(series: readonly CpuSeries[], title: string, opts: ChartOptions = {}): string {
  const height = opts.size?.height ?? Math.max(cardSize.height, 130 + series.length * 40);
  const labels = series.map((s) => s.label);
  const helpers = [...new Set(series.flatMap((s) => s.helpers.map((h) => h.role)))];
  const valueLabel = {
    show: true,
    position: 'right',
    fontSize: 10,
    formatter: (p: { value: unknown }) => (Number(p.value) > 0 ? formatMicros(Number(p.value)) : ''),
  } as const;
  return render(
    {
      title: heading(title, 'CPU time per operation: driver vs server side (server process + helpers)'),
      legend: { top: 58, left: 10, textStyle: { fontSize: 11 } },
      grid: { left: categoryRoom(labels), right: 70, top: 90, bottom: 30 },
      xAxis: {
        type: 'value',
        min: 0,
        axisLabel: { formatter: (v: number) => formatMicros(v) },
        splitLine: { lineStyle: { color: '#eee' } },
      },
      yAxis: { type: 'category', data: labels, inverse: true },
      series: [
        {
          type: 'bar',
          name: 'driver',
          color: '#9c755f',
          barMaxWidth: 14,
          data: series.map((s) => s.driver),
          label: valueLabel,
        },
        {
          type: 'bar',
          name: 'server',
          stack: 'server',
          color: '#4e79a7',
          barMaxWidth: 14,
          data: series.map((s) => s.server ?? 0),
          ...(helpers.length === 0 ? { label: valueLabel } : {}),
        },
        ...helpers.map((role, i) => ({
          type: 'bar' as const,
          name: role,
          stack: 'server',
          color: palette[(i + 3) % palette.length],
          barMaxWidth: 14,
          data: series.map((s) => s.helpers.find((h) => h.role === role)?.cpuUsPerOp ?? 0),
        })),
      ],
    },
    { width: opts.size?.width ?? cardSize.width, height },
    opts.id ?? 'cpu',
  );
}
