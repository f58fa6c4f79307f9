/**
 * Human units used in scenario files and on the command line.
 * Durations become milliseconds, sizes become bytes. `Duration`, `PositiveDuration` and `Size` are
 * the zod types every scenario field, CLI flag and pattern or broker option with such a unit uses.
 */
import { z } from 'zod';

const durationUnits: Record<string, number> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const sizeUnits: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
};

const unitPattern = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Zµ]*)\s*$/;

/** Parses '10s', '500ms', '1.5m' or a bare number of milliseconds. Returns undefined when invalid. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const m = unitPattern.exec(input);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase() || 'ms';
  const factor = durationUnits[unit] ?? durationUnits[m[2] ?? ''];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}

/** Parses '1KiB', '64', '2kb', '1MiB' (bytes). Returns undefined when invalid. */
export function parseSize(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : undefined;
  const m = unitPattern.exec(input);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase() || 'b';
  const factor = sizeUnits[unit];
  if (factor === undefined) return undefined;
  const bytes = Number(m[1]) * factor;
  return Number.isInteger(bytes) ? bytes : Math.round(bytes);
}

export const durationHelp = "a duration such as '10s', '500ms', '2m' (a bare number means milliseconds)";
export const sizeHelp = "a size such as '64', '1KiB', '16KiB', '1MiB' (a bare number means bytes)";

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));

const durationPattern = '^\\s*\\d+(\\.\\d+)?\\s*([uU][sS]|µs|[mM][sS]|[sS]|[mM]|[hH])?\\s*$';
const sizePattern = '^\\s*\\d+(\\.\\d+)?\\s*([bB]|[kKmMgG][bB]|[kKmMgG][iI][bB]|[kKmM])?\\s*$';

function durationSchema(min: 'positive' | 'nonnegative', id: string) {
  return z
    .union([z.number(), z.string().meta({ pattern: durationPattern })], {
      error: () => `expected ${durationHelp}`,
    })
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: v,
          message: `invalid duration ${show(v)}: expected ${durationHelp}`,
        });
        return z.NEVER;
      }
      if (min === 'positive' && ms <= 0) {
        ctx.issues.push({ code: 'custom', input: v, message: `must be longer than 0, got ${show(v)}` });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ id, description: `${durationHelp}`, examples: ['10s', '500ms'] });
}

/** A duration > 0 ('10s', '500ms', bare number = ms) → ms. */
export const PositiveDuration = durationSchema('positive', 'PositiveDuration');
/** A duration ≥ 0 → ms. */
export const Duration = durationSchema('nonnegative', 'Duration');
/** A size ('64', '1KiB', bare number = bytes) → bytes. */
export const Size = z
  .union([z.number(), z.string().meta({ pattern: sizePattern })], { error: () => `expected ${sizeHelp}` })
  .transform((v, ctx) => {
    const bytes = parseSize(v);
    if (bytes === undefined) {
      ctx.issues.push({ code: 'custom', input: v, message: `invalid size ${show(v)}: expected ${sizeHelp}` });
      return z.NEVER;
    }
    return bytes;
  })
  .meta({ id: 'Size', description: sizeHelp, examples: [64, '1KiB', '16KiB'] });

/** Formats microseconds in the unit that reads best: 8.5µs, 850µs, 1.23ms, 12.3ms, 178ms, 1.20s ('-' when not finite). */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 9.95) return `${us.toFixed(1)}µs`;
  if (us < 999.5) return `${Math.round(us)}µs`;
  if (us < 9_995) return `${(us / 1000).toFixed(2)}ms`;
  if (us < 99_950) return `${(us / 1000).toFixed(1)}ms`;
  if (us < 999_500) return `${Math.round(us / 1000)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

/** Formats bytes: 64B, 1.0KiB, 16KiB, 1.5MiB, 32GiB ('-' when not finite). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (bytes < 1023.5) return `${Math.round(bytes)}B`;
  for (const [unit, scale] of [
    ['KiB', 1024],
    ['MiB', 1024 ** 2],
    ['GiB', 1024 ** 3],
  ] as const) {
    const v = bytes / scale;
    if (v < 9.95) return `${v.toFixed(1)}${unit}`;
    if (v < 1023.5 || unit === 'GiB') return `${Math.round(v)}${unit}`;
  }
  return `${Math.round(bytes)}B`;
}

/** Formats a configured size exactly when it is a whole number of KiB/MiB (1KiB, 16KiB, 1MiB), else like formatBytes. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return formatBytes(bytes);
}

/** Formats a duration given in milliseconds compactly and exactly: 500ms, 10s, 1.25s, 2m. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * Formats a count or a rate with at most four significant digits: 950, 1811, 24.3k, 98.5k, 1.25M.
 * Values under 10 000 keep one decimal only when they are below 100 and not whole (12.5).
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const abs = Math.abs(n);
  if (abs < 100) return Number.isInteger(n) ? String(n) : n.toFixed(1);
  if (abs < 9_999.5) return String(Math.round(n));
  if (abs < 999_950) return `${(n / 1000).toFixed(1)}k`;
  if (abs < 999_950_000) return `${(n / 1_000_000).toFixed(2)}M`;
  return `${(n / 1_000_000_000).toFixed(2)}G`;
}

/** Formats a number rounded to an integer with ',' between thousands (locale-independent): 98,450. */
export function formatInteger(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Formats a ratio (0.031) as a percentage with two significant digits where small: 3.1%, 45%, 0.12%. */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '-';
  const pct = ratio * 100;
  if (pct === 0) return '0%';
  if (Math.abs(pct) < 1) return `${pct.toFixed(2)}%`;
  if (Math.abs(pct) < 9.95) return `${pct.toFixed(1)}%`;
  return `${Math.round(pct)}%`;
}
