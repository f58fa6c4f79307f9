/**
 * Human units used in scenario files and on the command line.
 * Durations become milliseconds, sizes become bytes.
 */

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

/** Formats microseconds in the unit that reads best: 850µs, 12.3ms, 1.20s. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${us < 10 ? us.toFixed(1) : Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

/** Formats bytes: 64B, 1.0KiB, 16KiB, 1.5MiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (bytes < 1024) return `${Math.round(bytes)}B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)}KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)}MiB`;
}

/** Formats a duration given in milliseconds compactly: 500ms, 10s, 2m. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
