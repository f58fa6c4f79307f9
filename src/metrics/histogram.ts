import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export type { Histogram };

/** A latency distribution's summary as results store it, µs. */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  /** 95th percentile, µs. Absent in results written before it was recorded (readers fall back to `encoded`). */
  readonly p95?: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** hdr-histogram-js encodeIntoCompressedBase64; values in µs. */
  readonly encoded: string;
}

/** A latency histogram in µs: 3 significant digits, 1 µs … auto-resized (starts at 60 s). */
export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records one latency given in µs (fractions rounded; anything below 1 µs counts as 1 µs). */
export function recordMicros(h: Histogram, us: number): void {
  h.recordValue(us < 1 ? 1 : Math.round(us));
}

export function encodeHistogram(h: Histogram): string {
  return h.totalCount === 0 ? '' : hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  const h = createHistogram();
  if (encoded !== '') h.add(hdr.decodeFromCompressedBase64(encoded, 32, false));
  return h;
}

/** Exact merge: the sum of the recorded counts of every input. */
export function mergeHistograms(parts: readonly Histogram[]): Histogram {
  const merged = createHistogram();
  for (const p of parts) if (p.totalCount > 0) merged.add(p);
  return merged;
}

export function mergeEncoded(encoded: readonly string[]): Histogram {
  return mergeHistograms(encoded.map(decodeHistogram));
}

/**
 * Count, mean and percentiles of `h`. Percentiles are HDR bucket tops (the highest value equivalent
 * to the recorded ones at 3 significant digits), and so is `max`: a raw maximum could sit below its
 * own bucket's top and read smaller than p99.9, and it would not survive encoding anyway (a decoded
 * histogram knows only buckets), so a summary reads the same before and after a merge.
 */
export function summarizeHistogram(h: Histogram): LatencySummary {
  if (h.totalCount === 0) {
    return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, encoded: '' };
  }
  return {
    count: h.totalCount,
    min: h.minNonZeroValue,
    mean: Math.round(h.mean * 10) / 10,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.getValueAtPercentile(100),
    encoded: encodeHistogram(h),
  };
}

/**
 * The 95th percentile of a summary, µs: the stored field, else read from its encoded histogram
 * (results written before p95 was stored); undefined when neither is there.
 */
export function p95Of(latency: LatencySummary): number | undefined {
  if (latency.p95 !== undefined) return latency.p95;
  return latency.encoded === '' ? undefined : decodeHistogram(latency.encoded).getValueAtPercentile(95);
}
