/**
 * A latency histogram for the terminal (oha-style): log-spaced buckets from the fastest to the
 * slowest operation, each with its count and a bar scaled to the fullest bucket. Pure; counts are
 * exact (read from the HDR histogram's own buckets, not from percentiles).
 */
import type { JsHistogram } from 'hdr-histogram-js';
import { decodeHistogram } from '../metrics/histogram.js';
import type { LatencySummary } from '../result/types.js';
import { formatInteger, formatMicros } from '../units.js';

export interface LatencyHistogramOptions {
  /** Number of buckets; default 10. */
  readonly buckets?: number;
  /** Characters of the fullest bucket's bar; default 32. */
  readonly barWidth?: number;
  /** First line's text; default 'latency'. */
  readonly title?: string;
}

/** Lines (no trailing newline); empty when the summary has no encoded histogram. */
export function renderLatencyHistogram(
  latency: LatencySummary,
  opts: LatencyHistogramOptions = {},
): string[] {
  if (latency.encoded === '' || latency.count === 0) return [];
  const n = Math.max(1, opts.buckets ?? 10);
  const barWidth = opts.barWidth ?? 32;
  const h = decodeHistogram(latency.encoded) as unknown as JsHistogram;
  const min = Math.max(1, h.minNonZeroValue);
  const max = Math.max(min, h.maxValue);
  // Upper bounds: log-spaced (latency tails span decades); one bucket when every value is equal.
  const ratio = max / min;
  const bounds = ratio <= 1 ? [max] : Array.from({ length: n }, (_, i) => min * ratio ** ((i + 1) / n));
  bounds[bounds.length - 1] = max;
  const counts = bounds.map(() => 0);
  for (let i = 0; i < h.countsArrayLength; i++) {
    const count = h.getCountAtIndex(i);
    if (count === 0) continue;
    const value = h.valueFromIndex(i);
    const b = bounds.findIndex((upper) => value <= upper);
    counts[b < 0 ? counts.length - 1 : b]! += count;
  }
  const fullest = Math.max(...counts);
  const labels = bounds.map(
    (upper, i) => `${formatMicros(i === 0 ? min : bounds[i - 1]!)} – ${formatMicros(upper)}`,
  );
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const countWidth = Math.max(...counts.map((c) => formatInteger(c).length));
  const total = counts.reduce((a, c) => a + c, 0);
  return [
    `  ${opts.title ?? 'latency'} histogram (${formatInteger(total)} operations, log buckets):`,
    ...counts.map((c, i) => {
      const bar = '■'.repeat(c > 0 ? Math.max(1, Math.round((c / fullest) * barWidth)) : 0);
      return `    ${labels[i]!.padStart(labelWidth)}  [${formatInteger(c).padStart(countWidth)}]  ${bar}`.trimEnd();
    }),
  ];
}
