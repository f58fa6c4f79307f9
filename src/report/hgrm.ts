/**
 * `.hgrm` reporter: HdrHistogram's percentile-distribution text (Value, Percentile, TotalCount,
 * 1/(1-Percentile)), one per case, as its plotter reads it. Values in milliseconds (the plotter's
 * convention), from the user-visible latency histogram (corrected for rate loads). Pure.
 */
import { decodeHistogram } from '../metrics/histogram.js';
import type { CaseResult, Result } from '../result/types.js';

export interface HgrmFile {
  readonly caseId: string;
  /** Safe for a file name: 'rest-closed-c-50-1KiB'. */
  readonly slug: string;
  readonly text: string;
}

/** A case id made safe for a file name. */
export function slugOf(id: string): string {
  return (
    id
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '') || 'case'
  );
}

/** The percentile distribution of one case, or undefined when it has no encoded histogram. */
export function renderCaseHgrm(c: CaseResult): string | undefined {
  const latency = c.summary?.latency;
  if (!latency || latency.encoded === '' || latency.count === 0) return undefined;
  return decodeHistogram(latency.encoded).outputPercentileDistribution(5, 1000);
}

/** One .hgrm text per case that has a histogram, in case order (slugs made unique). */
export function renderHgrm(result: Result): HgrmFile[] {
  const seen = new Set<string>();
  return result.cases.flatMap((c) => {
    const text = renderCaseHgrm(c);
    if (text === undefined) return [];
    let slug = slugOf(c.spec.id);
    for (let n = 2; seen.has(slug); n++) slug = `${slugOf(c.spec.id)}-${n}`;
    seen.add(slug);
    return [{ caseId: c.spec.id, slug, text: text.endsWith('\n') ? text : `${text}\n` }];
  });
}
