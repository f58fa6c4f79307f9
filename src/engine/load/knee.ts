import { z } from 'zod';
import { busyMachineCores } from '../../metrics/machine.js';
import type { Measurement, SearchResult, SearchStep } from '../../result/types.js';
import { bounds } from '../../plan/bounds.js';
import { MaxInFlight, RateFrom, RateTo } from '../../plan/fields.js';
import { PositiveDuration, formatDurationMs, formatInteger } from '../../units.js';
import { realClock, type Clock } from '../clock.js';
import { baseFields, subscribersLabel } from './closed.js';
import {
  describeKnee,
  judgeStep,
  kneeState,
  type JudgedStep,
  type KneeSettings,
  type StepOutcome,
} from './knee-search.js';
import { lagLimitUs, openLoopRules, openShare, sumShares } from './open.js';
import type { RateSpec } from './rate.js';
import type { LoadDefinition, SearchWindow } from './types.js';
import type { KneeSpec } from '../../plan/load.js';

export type { KneeSpec } from '../../plan/load.js';

/** At most this many steps per search: bounded in count as well as in time. */
export const kneeMaxSteps = 16;
/** Default objective when the scenario sets none, ms. */
const defaultP99Ms = 50;
/** Default time bound of one search, ms. */
const defaultBudgetMs = 30_000;
/** Bisection stops when highest met and lowest broken are this close (5 %). */
const bracket = 0.05;
/** A first step that breaks leads lower: down to from ÷ factor^3. */
const below = 3;
/**
 * The first step warms up at least this long (JIT, connection setup, the server's caches): a search
 * whose first step carries the process's warm-up would read it as a break, ms.
 */
const searchWarmupMs = 2000;
/** Later steps settle this long at their new rate (at most the case's warm-up), ms. */
const settleMs = 500;
/** A step's window holds at least this many operations (p99 from ≥ 20 samples above it)… */
const minStepOps = 2000;
/** …but lasts at most this long, ms (or the case's duration, when longer). */
const maxStepMs = 4000;
/** What a step costs beyond its warm-up and window (connecting, collecting garbage), ms: for the time bound. */
const stepOverheadMs = 250;
/**
 * After a step that broke the objective, the search sends nothing for this long, ms: an overloaded
 * server (its queues, its garbage) otherwise carries into the next, lower step — seen as steps
 * below a confirmed capacity breaking right after an overload (grpc: 4,000/s met, then 8,000/s
 * broke, then 6,000, 5,000, 4,500 and 4,300/s all broke, served above their offered rates).
 */
export const kneeCoolDownMs = 500;

const Factor = z
  .number()
  .min(1.1)
  .max(10)
  .meta({ description: 'knee: rate multiplier between steps while the objective holds (1.1–10, default 2)' });
const Refine = z
  .int()
  .min(0)
  .max(6)
  .meta({
    description: `knee: bisection steps after the objective first broke, stopping early once the rates are within ${bracket * 100}% (0–6, default 4)`,
  });
const Budget = PositiveDuration.refine((ms) => ms >= 1000 && ms <= 3_600_000, {
  message: 'must be between 1s and 1h',
}).meta({
  description: `knee: the whole search's time bound per repetition; no step starts that would end past it (1s–1h, default ${formatDurationMs(defaultBudgetMs)})`,
});
const P99 = PositiveDuration.refine((ms) => ms <= 60_000, { message: 'must be at most 1m' }).meta({
  description: `knee: the objective's p99 latency bound, from the scheduled send time (at most 1m, default ${defaultP99Ms}ms)`,
});

function settingsOf(s: KneeSpec): KneeSettings {
  return {
    from: s.from,
    to: s.to,
    factor: s.factor,
    refine: s.refine,
    bracket,
    below,
    p99Ms: s.p99Ms,
    maxSteps: kneeMaxSteps,
  };
}

/**
 * Step `index` at `rate`: its warm-up (the search's own before the first step, a settle before the
 * others) and a window long enough for a stable p99 (at least minStepOps operations, at most
 * maxStepMs, never shorter than the case's duration).
 */
export function kneeStepWindow(
  window: { readonly warmupMs: number; readonly durationMs: number },
  rate: number,
  index: number,
): SearchWindow {
  const forOps = Math.ceil((1000 * minStepOps) / rate);
  return {
    index,
    warmupMs: index === 0 ? Math.max(window.warmupMs, searchWarmupMs) : Math.min(window.warmupMs, settleMs),
    durationMs: Math.max(window.durationMs, Math.min(forOps, maxStepMs)),
  };
}

/**
 * The rate-model load of one step: the knee's connections at `rate` ops/s. Its maxInFlight is at
 * least what twice the objective holds in flight (rate × 2 × p99): a cap below that drops
 * operations while their latency would still meet the objective (tcp at 80,000/s broke on 466
 * drops, 0.6%, with p99 at 13.9 ms: 1,000 in flight is 12.5 ms of schedule, one driver pause).
 */
export function kneeStepLoad(s: KneeSpec, rate: number): RateSpec {
  return {
    model: 'rate',
    ...baseFields(s),
    rate,
    maxInFlight: Math.max(s.maxInFlight, Math.ceil((rate * 2 * s.p99Ms) / 1000)),
  };
}

/**
 * The driver in a step at `rate`/s, for the search's control (the row's verdict is the step's stored
 * one): its sends were `late` when their lag p99 passed the limit the verdict uses (`lagLimitUs`: 5 ms,
 * or one interval at slow rates) — timer noise or a busy machine, so a broken step is judged on what
 * the server served (knee-search.ts); it `limited` the step only when it was late, the stored verdict
 * says DRIVER-LIMITED (not a busy machine, not the server's backlog) and it used nearly all the CPU
 * its threads had (pacing left out).
 */
export function driverInStep(m: Measurement, rate: number): { late: boolean; limited: boolean } {
  const late = m.driver.sendLagP99 > lagLimitUs(rate);
  const windowUs = Math.max(1, m.durationMs * 1000 * Math.max(1, m.driver.workers));
  const working = (m.driver.cpuUs - (m.driver.pacingUs ?? 0)) / windowUs;
  return { late, limited: late && m.verdict.limit === 'DRIVER-LIMITED' && working >= 0.9 };
}

/** A step's figures for the objective. */
function outcomeOf(s: KneeSpec, rate: number, m: Measurement): StepOutcome {
  const latency = m.delivery ? m.delivery.latency : m.latency;
  const driver = driverInStep(m, rate);
  return {
    rate,
    throughput: m.throughput,
    p99Us: latency.p99,
    sent: m.sent,
    dropped: m.dropped,
    errors: m.errors.total,
    queued: m.backlog?.queued ?? 0,
    driverLate: driver.late,
    machineBusy: (m.machine?.otherCores ?? 0) > busyMachineCores,
    driverLimited: driver.limited,
  };
}

function stepOf(j: JudgedStep, m: Measurement): SearchStep {
  const latency = m.delivery ? m.delivery.latency : m.latency;
  return {
    rate: j.rate,
    throughput: j.throughput,
    p50: latency.p50,
    p99: latency.p99,
    errors: j.errors,
    dropped: j.dropped,
    queued: j.queued,
    driverLimited: j.driverLimited,
    serverCpuUsPerOp: m.server?.cpuUsPerOp ?? 0,
    driverCpuUsPerOp: m.driver.cpuUsPerOp,
    met: j.met,
    broke: j.broke,
  };
}

/**
 * Runs the search: `step(load, window)` measures one window at the rate model's `load` (the runner
 * keeps one server for all steps); `window` is the case's warm-up and duration, from which each
 * step's own are chosen (kneeStepWindow). `clock` times the search against its budget. Returns the
 * measurement of the highest rate that met the objective (the first step's when none did), with
 * the whole search in `search`.
 */
export async function searchKnee(
  s: KneeSpec,
  step: (load: RateSpec, window: SearchWindow) => Promise<Measurement>,
  window: { readonly warmupMs: number; readonly durationMs: number },
  clock: Clock = realClock,
): Promise<Measurement> {
  const settings = settingsOf(s);
  const judged: JudgedStep[] = [];
  const measured: Measurement[] = [];
  const startedAt = clock.now();
  let interrupted: Measurement | undefined;
  let outOfTime = false;
  for (
    let state = kneeState(settings, judged);
    state.next !== undefined;
    state = kneeState(settings, judged)
  ) {
    const w = kneeStepWindow(window, state.next, judged.length);
    const coolDown = judged.length > 0 && !judged.at(-1)!.met ? kneeCoolDownMs : 0;
    // The first step always runs; no later one starts that would end past the budget.
    const endsAt = clock.now() - startedAt + coolDown + w.warmupMs + w.durationMs + stepOverheadMs;
    if (judged.length > 0 && endsAt > s.budgetMs) {
      outOfTime = true;
      break;
    }
    if (coolDown > 0) await clock.sleepUntil(clock.now() + coolDown);
    let m: Measurement;
    try {
      m = await step(kneeStepLoad(s, state.next), w);
    } catch (err) {
      // Stopped between steps (Ctrl-C, a crashed server): what was measured so far stands.
      const last = measured.at(-1);
      if (!last) throw err;
      interrupted = { ...last, endReason: 'interrupted' };
      break;
    }
    if (m.endReason !== 'completed') {
      interrupted = m;
      break;
    }
    judged.push(judgeStep(settings, outcomeOf(s, state.next, m)));
    measured.push(m);
  }
  const state = kneeState(settings, judged, outOfTime);
  const search: SearchResult = {
    objective: { p99Ms: s.p99Ms },
    steps: judged.map((j, i) => stepOf(j, measured[i]!)),
    ...(state.capacity !== undefined ? { capacity: state.capacity } : {}),
    end: interrupted ? 'interrupted' : (state.end ?? 'steps'),
    verdict: interrupted
      ? `search interrupted after ${judged.length} steps${state.capacity !== undefined ? `; capacity ≥ ${formatInteger(state.capacity)}/s so far` : ''}`
      : describeKnee(settings, judged, outOfTime),
    durationMs: Math.round(clock.now() - startedAt),
  };
  // The row shows the last step that met the objective at the capacity — or, judged on what the server
  // served (sends ran late), the last one at that rate that served it; the first step when none did.
  const atCapacity = (ok: (j: JudgedStep) => boolean): number =>
    judged.findLastIndex((j) => j.rate === state.capacity && ok(j));
  const at =
    state.capacity === undefined
      ? 0
      : [atCapacity((j) => j.met), atCapacity((j) => j.served), atCapacity(() => true)].find((i) => i >= 0);
  const best = measured[at ?? 0] ?? measured[0];
  const chosen = interrupted ? (best ? { ...best, endReason: interrupted.endReason } : interrupted) : best;
  if (!chosen) throw new Error('the knee search measured no step');
  return { ...chosen, search };
}

/** Steps a search runs at most on a typical server: up by ×factor from `from` to `to`, then the bisections. */
function expectedSteps(s: KneeSpec): number {
  const up = Math.ceil(Math.log(s.to / s.from) / Math.log(s.factor)) + 1;
  return Math.min(kneeMaxSteps, up + 1 + s.refine);
}

export const knee = {
  name: 'knee',
  summary:
    "capacity search: open-loop steps from 'from'/s, ×factor while the objective holds (p99 ≤ p99 from the scheduled send time, nothing dropped, no errors, ≥ 95% served), every break confirmed by a re-run, then bisected; reports the highest rate that met it",
  shape: {
    from: RateFrom.optional(),
    to: RateTo.optional(),
    factor: Factor.optional(),
    refine: Refine.optional(),
    p99: P99.optional(),
    budget: Budget.optional(),
    maxInFlight: MaxInFlight.optional(),
  },
  resolve: (fields, base): KneeSpec | string => {
    if (typeof fields.from !== 'number') {
      return "model 'knee' needs load.from (the first rate offered, operations per second)";
    }
    const to = typeof fields.to === 'number' ? fields.to : Math.min(bounds.rate, fields.from * 64);
    if (to < fields.from) return `load.to (${to}/s) must be at least load.from (${fields.from}/s)`;
    return {
      model: 'knee',
      ...baseFields(base),
      from: fields.from,
      to,
      factor: typeof fields.factor === 'number' ? fields.factor : 2,
      refine: typeof fields.refine === 'number' ? fields.refine : 4,
      p99Ms: typeof fields.p99 === 'number' ? fields.p99 : defaultP99Ms,
      budgetMs: typeof fields.budget === 'number' ? fields.budget : defaultBudgetMs,
      maxInFlight: base.maxInFlight,
    };
  },
  describe: (s) => ({
    windows: expectedSteps(s),
    label: `knee ${s.from}→${s.to}/s × ${s.connections} conn${s.inFlight > 1 ? `×${s.inFlight}` : ''}${subscribersLabel(s)}`,
    schedule: 'open',
    offered: `${formatInteger(s.from)}→${formatInteger(s.to)}/s`,
    note:
      `knee: "knee A→B/s" cases search for capacity: open-loop steps of one window each (at least ${formatInteger(minStepOps)} operations), ` +
      `after a ${formatDurationMs(searchWarmupMs)} warm-up, from A/s up by ×factor while the objective holds (p99 ≤ ${formatDurationMs(s.p99Ms)} ` +
      `from the scheduled send time, nothing dropped, no errors, at least 95% of the offered rate served); ` +
      `every break is re-run to confirm it, then the rate is bisected up to 'refine' times (to within ${bracket * 100}%), each step after a break following ${formatDurationMs(kneeCoolDownMs)} without load, ` +
      `all within ${formatDurationMs(s.budgetMs)}. A first step that breaks leads lower; a step that broke while the driver's sends ran late or other processes took the cores ` +
      `is judged on what the server served (re-measured when it fell short); only a driver that used all its CPU ends the search with a lower bound. The row shows the highest step ` +
      `that met it, and the search line says where and why it broke.`,
  }),
  idParts: (s) => ({ model: 'knee', rate: `${s.from}-${s.to}/s`, max: `max=${s.maxInFlight}` }),
  share: (s, connections, index, count) => openShare(s, ['from', 'to'], connections, index, count),
  combine: (parts) => sumShares(parts, ['connections', 'from', 'to', 'maxInFlight']),
  fromIntendedTime: true,
  maxOutstanding: (s) => Math.min(s.connections * s.inFlight, s.maxInFlight),
  // Each step is measured as a rate-model window and judged by the rate model's rules.
  limits: (s) => openLoopRules(s.to, s.maxInFlight),
  search: (s, step, window) => searchKnee(s, step, window),
} satisfies LoadDefinition<KneeSpec>;
