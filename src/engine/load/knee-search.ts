/**
 * The capacity search of the `knee` load model, as pure functions of the steps measured so far
 * (Nighthawk's adaptive load controller, k6's ramping-arrival-rate used as a search): the offered
 * open-loop rate is multiplied by `factor` while each step meets the objective, then bisected
 * between the highest rate that met it and the lowest that broke it, `refine` times or until the
 * two are within 10 % of each other. A step the driver could not drive on time ends the search:
 * the capacity is then only a lower bound, and it says so.
 */

/** The search's settings (rates in operations per second, times in ms). */
export interface KneeSettings {
  /** First offered rate. */
  readonly from: number;
  /** Highest rate offered; reaching it with the objective met ends the search ("at least"). */
  readonly to: number;
  /** Rate multiplier between steps while the objective holds (> 1). */
  readonly factor: number;
  /** Bisection steps after the first broken step. */
  readonly refine: number;
  /** The objective: p99 latency (from the scheduled send time) at most this, ms. */
  readonly p99Ms: number;
  /** The objective: at most this share of sends waited for a free connection (0..1). */
  readonly maxQueuedShare: number;
  /** At most this many steps in all (the search is bounded in count as well as time). */
  readonly maxSteps: number;
}

/** What one step measured: the figures the objective reads, from the step's Measurement. */
export interface StepOutcome {
  /** Offered (scheduled) rate, ops/s. */
  readonly rate: number;
  /** Completed successfully in the window, ops/s. */
  readonly throughput: number;
  /** Latency p99 from the scheduled time, µs. */
  readonly p99Us: number;
  readonly sent: number;
  readonly dropped: number;
  readonly errors: number;
  /** Operations that waited for a free connection (the server's backlog). */
  readonly queued: number;
  /** The driver, not the server, limited the step (send lag, busy event loop). */
  readonly driverLimited: boolean;
}

export interface JudgedStep extends StepOutcome {
  /** The objective held at this rate. */
  readonly met: boolean;
  /** Why it did not hold (empty when met), one short clause each. */
  readonly broke: readonly string[];
}

/** Achieved throughput may fall this far short of the offered rate and still count as sustained. */
const sustainedShare = 0.95;
/** Bisection stops when the bracket is this narrow (relative to its low end). */
const bracketWidth = 0.1;

/** Judges one step against the objective. */
export function judgeStep(settings: KneeSettings, step: StepOutcome): JudgedStep {
  const broke: string[] = [];
  if (step.driverLimited) broke.push('driver could not send on time');
  if (step.p99Us > settings.p99Ms * 1000) {
    broke.push(`p99 ${(step.p99Us / 1000).toFixed(1)} ms > ${settings.p99Ms} ms`);
  }
  if (step.dropped > 0) broke.push(`${step.dropped} dropped at maxInFlight`);
  if (step.errors > 0) broke.push(`${step.errors} errors`);
  const sends = step.sent + step.dropped;
  if (sends > 0 && step.queued / sends > settings.maxQueuedShare) {
    broke.push(`${((100 * step.queued) / sends).toFixed(1)}% waited for a free connection`);
  }
  if (step.throughput < sustainedShare * step.rate) {
    broke.push(`served ${Math.round(step.throughput)}/s of ${Math.round(step.rate)}/s offered`);
  }
  return { ...step, met: broke.length === 0, broke };
}

/** Where the search stands after `steps` (in the order run). */
export interface KneeState {
  /** The next rate to offer, or undefined when the search is over. */
  readonly next?: number;
  /** Highest offered rate that met the objective (undefined: not even the first). */
  readonly capacity?: number;
  /**
   * How the search ended (set when `next` is undefined):
   * 'knee' the objective broke above `capacity` (bracketed to within the refine steps);
   * 'ceiling' `to` was met, so the capacity is at least `to`;
   * 'driver' the driver limited a step, so the capacity is at least `capacity`;
   * 'floor' the first rate already broke the objective;
   * 'steps' maxSteps ran out.
   */
  readonly end?: 'knee' | 'ceiling' | 'driver' | 'floor' | 'steps';
}

/** The next step of the search, or its end, from the steps judged so far. */
export function kneeState(settings: KneeSettings, steps: readonly JudgedStep[]): KneeState {
  const met = steps.filter((s) => s.met);
  const capacity = met.length > 0 ? Math.max(...met.map((s) => s.rate)) : undefined;
  const last = steps.at(-1);
  if (last === undefined) return { next: settings.from };
  if (!last.met && last.driverLimited) return { capacity, end: 'driver' };
  if (steps.length >= settings.maxSteps) return { capacity, end: 'steps' };
  const broken = steps.filter((s) => !s.met);
  if (broken.length === 0) {
    if (last.rate >= settings.to) return { capacity, end: 'ceiling' };
    return { next: Math.min(settings.to, roundRate(last.rate * settings.factor)), capacity };
  }
  if (capacity === undefined) return { end: 'floor' };
  const lowestBroken = Math.min(...broken.filter((s) => s.rate > capacity).map((s) => s.rate));
  const refined = steps.length - steps.findIndex((s) => !s.met) - 1;
  if (
    !Number.isFinite(lowestBroken) ||
    refined >= settings.refine ||
    (lowestBroken - capacity) / capacity <= bracketWidth
  ) {
    return { capacity, end: 'knee' };
  }
  const next = roundRate((capacity + lowestBroken) / 2);
  if (next <= capacity || next >= lowestBroken) return { capacity, end: 'knee' };
  return { next, capacity };
}

/** Rates are offered in round figures: 2 significant digits above 100/s, whole numbers below. */
export function roundRate(rate: number): number {
  if (rate < 100) return Math.max(1, Math.round(rate));
  const unit = 10 ** (Math.floor(Math.log10(rate)) - 1);
  return Math.round(rate / unit) * unit;
}

/** One line that states the search's answer, e.g. "capacity 4,200/s (p99 ≤ 50 ms; broke at 4,800/s: p99 61.2 ms > 50 ms)". */
export function describeKnee(settings: KneeSettings, steps: readonly JudgedStep[]): string {
  const state = kneeState(settings, steps);
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const firstBroken = steps
    .filter((s) => !s.met && (state.capacity === undefined || s.rate > state.capacity))
    .sort((a, b) => a.rate - b.rate)[0];
  const why = firstBroken ? `; broke at ${n(firstBroken.rate)}/s: ${firstBroken.broke.join(', ')}` : '';
  const objective = `p99 ≤ ${settings.p99Ms} ms`;
  switch (state.end) {
    case 'ceiling':
      return `capacity ≥ ${n(settings.to)}/s (${objective} held up to the highest rate offered; raise load.to)`;
    case 'driver':
      if (state.capacity === undefined) {
        return `capacity unknown: DRIVER-LIMITED at the first step, ${n(settings.from)}/s (${objective}${why}); lower load.from, or give the driver more cores or a leaner client`;
      }
      return `capacity ≥ ${n(state.capacity)}/s: DRIVER-LIMITED above it (${objective}${why}); more driver cores or a leaner client would find more`;
    case 'floor':
      return `capacity < ${n(settings.from)}/s: the first step already broke the objective (${objective}${why}); lower load.from`;
    case 'steps':
      return `capacity ≥ ${state.capacity === undefined ? 0 : n(state.capacity)}/s (search stopped after ${steps.length} steps${why})`;
    default:
      return `capacity ${state.capacity === undefined ? 0 : n(state.capacity)}/s (${objective}${why})`;
  }
}
