/**
 * Statistics for comparing runs: a Welch t-interval on log-transformed per-repetition values.
 *
 * Why this method: a benchmark gives few repetitions per side (3–5), and the unit of independent
 * noise is the repetition (runs on a shared machine differ by 10–20%; samples inside one run are
 * correlated and would hide that). With n = 3 per side a rank test cannot reach 95% at all
 * (Mann-Whitney's smallest two-sided p for 3 vs 3 is 0.10) and a percentile bootstrap has only 10
 * distinct resamples per side, so its intervals are far too narrow and it cries wolf. Throughput
 * and latency are positive with multiplicative noise, so on logarithms the difference of means is
 * the log of the ratio of geometric means, the noise is close to symmetric, and the t-interval with
 * Welch–Satterthwaite degrees of freedom keeps its stated coverage down to n = 2. The interval is
 * reported back as a ratio head/base (a relative change).
 */
import { mulberry32 } from '../message.js';

/** A sample of positive values from one source (e.g. one case's repetitions in one result). */
export interface LogSample {
  readonly values: readonly number[];
  /** +1 adds this sample's log-mean to the difference, -1 subtracts it. */
  readonly sign: 1 | -1;
}

export interface RatioInterval {
  /** exp(Σ sign·mean(log x)): for head vs base, the ratio of geometric means head/base. */
  readonly ratio: number;
  /** Bounds of the two-sided confidence interval of the ratio; absent when a sample has < 2 values. */
  readonly low?: number;
  readonly high?: number;
  /** Welch–Satterthwaite degrees of freedom (absent without an interval). */
  readonly df?: number;
  readonly confidence: number;
}

/**
 * Confidence interval of exp(Σ sign·mean(log xᵢ)) over independent samples: the difference of two
 * log-means (head vs base), or of four when each side is divided by its own tcp floor
 * (normalization adds the floor's own noise, as it should). Non-positive values are not allowed.
 */
export function logRatioInterval(samples: readonly LogSample[], confidence = 0.95): RatioInterval {
  let estimate = 0;
  let variance = 0;
  let dfDenominator = 0;
  let complete = true;
  for (const s of samples) {
    const logs = s.values.map((v) => {
      if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`log-ratio needs positive values, got ${v}`);
      return Math.log(v);
    });
    const n = logs.length;
    if (n === 0) throw new RangeError('log-ratio needs at least one value per sample');
    const mean = logs.reduce((a, b) => a + b, 0) / n;
    estimate += s.sign * mean;
    if (n < 2) {
      complete = false;
      continue;
    }
    const v = logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1) / n;
    variance += v;
    dfDenominator += (v * v) / (n - 1);
  }
  const ratio = Math.exp(estimate);
  if (!complete) return { ratio, confidence };
  if (variance === 0) return { ratio, low: ratio, high: ratio, df: Infinity, confidence };
  const df = (variance * variance) / dfDenominator;
  const half = studentTQuantile(1 - (1 - confidence) / 2, df) * Math.sqrt(variance);
  return { ratio, low: Math.exp(estimate - half), high: Math.exp(estimate + half), df, confidence };
}

/** Quantile of Student's t distribution with `df` (> 0, may be fractional or Infinity) degrees of freedom. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`df must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (!Number.isFinite(df) || df > 1e7) return normalQuantile(p);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedIncompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Standard normal quantile (Acklam's rational approximation; relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

/** I_x(a, b), the regularized incomplete beta function (Lentz's continued fraction). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~15 significant digits). */
export function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** A seeded pseudo-random generator (mulberry32): deterministic uniform numbers in [0, 1). */
export const seededRandom: (seed: number) => () => number = mulberry32;

/** A standard normal draw from a uniform generator (Box–Muller). */
export function normalFrom(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
