/**
 * The capacity search of the `knee` load model, as pure functions of the steps measured so far
 * (Nighthawk's adaptive load controller, k6's ramping-arrival-rate used as a search): the offered
 * open-loop rate is multiplied by `factor` while each step meets the objective, then bisected
 * between the highest rate that met it and the lowest that broke it, `refine` times or until the
 * two are within `bracket` of each other. On a shared machine one step can break for reasons that
 * are not the server's (a pause, a neighbour's burst), so:
 * - every break is confirmed by running the same rate again before the search turns; when the
 *   re-run meets the objective, the break was noise and the search goes on. (Only the first break
 *   was, before: near the knee a 1 s window's p99 breaks on one GC pause, and rest-vs-grpc's grpc
 *   capacity read 3,700 and 5,500/s in two runs; confirming every break read 4,000 and 5,000/s.)
 * - a step that broke while the driver's own sends ran late is discounted: its latency and
 *   connection waits describe the driver's bursts, not the server, so it is judged on what the
 *   server served (nothing dropped, no errors, ≥ 95% of the offered rate); when the server fell
 *   short, the step is measured again and the re-run decides — never blamed on the driver;
 * - a first step that breaks leads lower (÷factor, up to `below` times) instead of ending the search;
 * - only a step whose driver used its whole core (`driverLimited`) ends the search with a lower bound.
 */

/** The search's settings (rates in operations per second, times in ms). */
export interface KneeSettings {
  /** First offered rate. */
  readonly from: number;
  /** Highest rate offered; reaching it with the objective met ends the search ("at least"). */
  readonly to: number;
  /** Rate multiplier between steps while the objective holds (> 1). */
  readonly factor: number;
  /** Bisection steps after the first confirmed broken step. */
  readonly refine: number;
  /** Bisection stops when highest met and lowest broken are this close, relative to the met one (0..1). */
  readonly bracket: number;
  /** When the first step breaks: how many times the search may divide it by `factor`. */
  readonly below: number;
  /** The objective: p99 latency (from the scheduled send time) at most this, ms. */
  readonly p99Ms: number;
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
  /**
   * Operations that waited for a free connection. Kept for the report, not judged: their waits are in
   * the latency (from the scheduled time), and a driver's pause of a few ms makes a burst that queues
   * on any server, so a share of queued sends measured the driver as often as the server.
   */
  readonly queued: number;
  /** The driver's sends ran late (timer noise, a busy machine): the step says little about the server. */
  readonly driverLate: boolean;
  /**
   * Processes other than the driver and the server used more than `busyMachineCores` during the
   * step: like late sends, a break then says little about the server, so it is re-measured and
   * judged on what the server served.
   */
  readonly machineBusy?: boolean;
  /** The driver used all the CPU it had: it, not the server, set the pace. */
  readonly driverLimited: boolean;
}

/**
 * A judged step: `met`, or broke as the server's ('broke'), with the driver's sends late ('late':
 * re-measured), or with the driver at its limit ('driver').
 */
export type StepStatus = 'met' | 'broke' | 'late' | 'driver';

export interface JudgedStep extends StepOutcome {
  /** The objective held at this rate. */
  readonly met: boolean;
  readonly status: StepStatus;
  /** The server served the offered rate: nothing dropped, no errors, ≥ 95% completed (latency aside). */
  readonly served: boolean;
  /** Why it did not hold (empty when met), one short clause each. */
  readonly broke: readonly string[];
}

/** Achieved throughput may fall this far short of the offered rate and still count as sustained. */
const sustainedShare = 0.95;

/** Judges one step against the objective. */
export function judgeStep(settings: KneeSettings, step: StepOutcome): JudgedStep {
  const broke: string[] = [];
  if (step.p99Us > settings.p99Ms * 1000) {
    broke.push(`p99 ${(step.p99Us / 1000).toFixed(1)} ms > ${settings.p99Ms} ms`);
  }
  if (step.dropped > 0) broke.push(`${step.dropped} dropped at maxInFlight`);
  if (step.errors > 0) broke.push(`${step.errors} errors`);
  const short = step.throughput < sustainedShare * step.rate;
  if (short) broke.push(`served ${Math.round(step.throughput)}/s of ${Math.round(step.rate)}/s offered`);
  const served = !short && step.dropped === 0 && step.errors === 0;
  if (broke.length === 0) return { ...step, met: true, status: 'met', served, broke };
  if (step.driverLimited) {
    return { ...step, met: false, status: 'driver', served, broke: ['driver used all its CPU', ...broke] };
  }
  if (step.driverLate || step.machineBusy) {
    const why = step.driverLate ? 'sends ran late' : 'the machine was busy with other processes';
    return { ...step, met: false, status: 'late', served, broke: [...broke, why] };
  }
  return { ...step, met: false, status: 'broke', served, broke };
}

/** Where the search stands after `steps` (in the order run). */
export interface KneeState {
  /** The next rate to offer, or undefined when the search is over. */
  readonly next?: number;
  /** The next step re-runs a rate: to confirm a break, or because the driver's sends ran late. */
  readonly rerun?: 'confirm' | 'late';
  /** Highest offered rate that met the objective below every broken one (undefined: none did). */
  readonly capacity?: number;
  /** Lowest rate that broke the objective above `capacity` (undefined: none did). */
  readonly brokeAt?: number;
  /**
   * How the search ended (set when `next` is undefined):
   * 'knee' the objective broke above `capacity` (bracketed as finely as refine, bracket, steps or time allowed);
   * 'ceiling' `to` was met, so the capacity is at least `to`;
   * 'driver' the driver limited a step above `capacity`, so the capacity is at least `capacity`;
   * 'floor' every rate down to from ÷ factor^below broke the objective;
   * 'steps' maxSteps or the time ran out before a knee was found.
   */
  readonly end?: 'knee' | 'ceiling' | 'driver' | 'floor' | 'steps';
}

/** What the steps at one rate say so far. */
type RateVerdict = 'met' | 'broke' | 'driver' | 'rerun-confirm' | 'rerun-late';

/**
 * The verdict of each rate offered, in the order first offered. A rate's last step decides: a step
 * whose sends ran late by what the server served, a break by a second run (confirmation, or a late
 * step's server fell short); each rate runs at most twice.
 */
function rateVerdicts(steps: readonly JudgedStep[]): { rate: number; verdict: RateVerdict; runs: number }[] {
  const order: number[] = [];
  for (const s of steps) if (!order.includes(s.rate)) order.push(s.rate);
  return order.map((rate) => {
    const at = steps.filter((s) => s.rate === rate);
    const last = at.at(-1)!;
    let verdict: RateVerdict;
    if (last.status === 'met') verdict = 'met';
    else if (last.status === 'driver') verdict = 'driver';
    else if (lateButServed(at)) verdict = 'met';
    else if (at.length >= 2) verdict = 'broke';
    else if (last.status === 'late') verdict = 'rerun-late';
    else verdict = 'rerun-confirm';
    return { rate, verdict, runs: at.length };
  });
}

/** The deciding (last) run at a rate ran late but served the offered rate: the lateness is discounted. */
function lateButServed(at: readonly JudgedStep[]): boolean {
  const last = at.at(-1);
  return last !== undefined && last.status === 'late' && last.served;
}

/**
 * The next step of the search, or its end, from the steps judged so far. `outOfTime`: the next step
 * would not fit in the search's time budget, so the search ends where it stands.
 */
export function kneeState(
  settings: KneeSettings,
  steps: readonly JudgedStep[],
  outOfTime = false,
): KneeState {
  if (steps.length === 0) return outOfTime ? { end: 'steps' } : { next: settings.from };
  const rates = rateVerdicts(steps);
  const broken = rates.filter((r) => r.verdict === 'broke' || r.verdict === 'driver').map((r) => r.rate);
  const lowestBroken = broken.length > 0 ? Math.min(...broken) : undefined;
  const met = rates
    .filter((r) => r.verdict === 'met' && (lowestBroken === undefined || r.rate < lowestBroken))
    .map((r) => r.rate);
  const capacity = met.length > 0 ? Math.max(...met) : undefined;
  const at = {
    ...(capacity !== undefined ? { capacity } : {}),
    ...(lowestBroken !== undefined ? { brokeAt: lowestBroken } : {}),
  };
  const stopped = (): KneeState =>
    capacity !== undefined && lowestBroken !== undefined ? { ...at, end: 'knee' } : { ...at, end: 'steps' };
  const last = rates.find((r) => r.rate === steps.at(-1)!.rate)!;
  if (last.verdict === 'driver' && capacity !== undefined) return { ...at, end: 'driver' };
  if (steps.length >= settings.maxSteps || outOfTime) return stopped();
  if (last.verdict === 'rerun-confirm' || last.verdict === 'rerun-late') {
    return { ...at, next: last.rate, rerun: last.verdict === 'rerun-confirm' ? 'confirm' : 'late' };
  }
  if (lowestBroken === undefined) {
    const highest = Math.max(...rates.map((r) => r.rate));
    if (highest >= settings.to) return { ...at, end: 'ceiling' };
    return { ...at, next: Math.min(settings.to, roundRate(highest * settings.factor)) };
  }
  if (capacity === undefined) {
    // Nothing met yet: look lower, down to from ÷ factor^below.
    const lowest = roundRate(lowestBroken / settings.factor);
    const floor = settings.from / settings.factor ** settings.below;
    if (lowest < floor * 0.999 || lowest >= lowestBroken) return { ...at, end: 'floor' };
    return { ...at, next: lowest };
  }
  // Bisection steps so far: rates offered after the first confirmed break once some rate had met
  // (the steps down from a first step that broke do not count).
  const turn = rates.findIndex((r) => r.verdict === 'broke' || r.verdict === 'driver');
  const firstMet = rates.findIndex((r) => r.verdict === 'met');
  const refined = rates.length - Math.max(turn, firstMet) - 1;
  if (refined >= settings.refine || (lowestBroken - capacity) / capacity <= settings.bracket) {
    return { ...at, end: 'knee' };
  }
  const next = roundRate((capacity + lowestBroken) / 2);
  if (next <= capacity || next >= lowestBroken) return { ...at, end: 'knee' };
  return { ...at, next };
}

/** Rates are offered in round figures: 2 significant digits above 100/s, whole numbers below. */
export function roundRate(rate: number): number {
  if (rate < 100) return Math.max(1, Math.round(rate));
  const unit = 10 ** (Math.floor(Math.log10(rate)) - 1);
  return Math.round(rate / unit) * unit;
}

/** One line that states the search's answer, e.g. "capacity 4,200/s (p99 ≤ 50 ms; broke at 4,800/s: p99 61.2 ms > 50 ms)". */
export function describeKnee(
  settings: KneeSettings,
  steps: readonly JudgedStep[],
  outOfTime = false,
): string {
  const state = kneeState(settings, steps, outOfTime);
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const at = state.brokeAt === undefined ? [] : steps.filter((s) => s.rate === state.brokeAt && !s.met);
  const runs = at.length > 1 ? ` (${at.length} runs)` : '';
  const why = at.length > 0 ? `; broke at ${n(state.brokeAt!)}/s${runs}: ${at.at(-1)!.broke.join(', ')}` : '';
  const noise = steps.filter((s, i) => !s.met && steps[i + 1]?.rate === s.rate && steps[i + 1]?.met).length;
  const late = [...new Set(steps.map((s) => s.rate))].filter((rate) => {
    const at = steps.filter((s) => s.rate === rate);
    return lateButServed(at);
  }).length;
  const rerun =
    (noise > 0 ? `; ${noise} break${noise > 1 ? 's' : ''} not confirmed on a re-run` : '') +
    (late > 0
      ? `; ${late} rate${late > 1 ? 's' : ''} judged on throughput alone (sends ran late or the machine was busy)`
      : '');
  const objective = `p99 ≤ ${settings.p99Ms} ms`;
  const capacity = state.capacity === undefined ? 0 : state.capacity;
  switch (state.end) {
    case 'ceiling':
      return `capacity ≥ ${n(settings.to)}/s (${objective} held up to the highest rate offered${rerun}; raise load.to)`;
    case 'driver':
      return `capacity ≥ ${n(capacity)}/s: DRIVER-LIMITED above it (${objective}${why}); more driver cores or a leaner client would find more`;
    case 'floor':
      return `capacity < ${n(state.brokeAt ?? settings.from)}/s: every rate down to it broke the objective (${objective}${why}); lower load.from`;
    case 'steps':
      return state.capacity === undefined
        ? `capacity unknown (search stopped after ${steps.length} steps before any rate met ${objective}${why})`
        : `capacity ≥ ${n(capacity)}/s (search stopped after ${steps.length} steps before the objective broke${rerun})`;
    default:
      return `capacity ${n(capacity)}/s (${objective}${why}${rerun})`;
  }
}
