/**
 * Matching the cases of two results: by pattern and parameters (pattern options, payload size and
 * shape, load), never by position. Server delay, target URL, worker count, duration and repeat are
 * not part of the key: they describe how a case was run, and a slowed server must still match its
 * baseline. When the key is not unique within one result, those are added to tell the cases apart.
 */
import type { CaseResult } from '../result/types.js';
import type { CaseSpec } from '../plan/types.js';

/** A stable JSON of `value` with object keys sorted. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The parameters two runs of the same case share. */
export function caseKey(spec: CaseSpec): string {
  return stable({ pattern: spec.pattern, options: spec.options, payload: spec.payload, load: spec.load });
}

function fullKey(spec: CaseSpec): string {
  return stable({
    key: caseKey(spec),
    delay: spec.serverDelayMs,
    target: spec.target ?? null,
    workers: spec.workers,
  });
}

/** Keys for every case of one result: caseKey, or a fuller key where caseKey repeats. */
export function keysOf(cases: readonly CaseResult[]): string[] {
  const counts = new Map<string, number>();
  for (const c of cases) counts.set(caseKey(c.spec), (counts.get(caseKey(c.spec)) ?? 0) + 1);
  return cases.map((c) => ((counts.get(caseKey(c.spec)) ?? 0) > 1 ? fullKey(c.spec) : caseKey(c.spec)));
}

export interface CasePair {
  readonly base: CaseResult;
  readonly head: CaseResult;
}

export interface Matching {
  readonly pairs: readonly CasePair[];
  /** Cases of the base with no counterpart in the head, in base order. */
  readonly onlyBase: readonly CaseResult[];
  /** Cases of the head with no counterpart in the base, in head order. */
  readonly onlyHead: readonly CaseResult[];
}

/** Pairs the cases of `base` and `head` (base order). Unmatched cases are returned, never dropped. */
export function matchCases(base: readonly CaseResult[], head: readonly CaseResult[]): Matching {
  const headKeys = keysOf(head);
  const byKey = new Map(head.map((c, i) => [headKeys[i]!, c]));
  const used = new Set<CaseResult>();
  const pairs: CasePair[] = [];
  const onlyBase: CaseResult[] = [];
  keysOf(base).forEach((key, i) => {
    const b = base[i]!;
    const h = byKey.get(key) ?? byKey.get(caseKey(b.spec));
    if (h && !used.has(h)) {
      used.add(h);
      pairs.push({ base: b, head: h });
    } else onlyBase.push(b);
  });
  return { pairs, onlyBase, onlyHead: head.filter((c) => !used.has(c)) };
}
