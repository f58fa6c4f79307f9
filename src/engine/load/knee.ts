import { z } from 'zod';
import type { Measurement, SearchResult, SearchStep } from '../../result/types.js';
import { bounds } from '../../scenario/bounds.js';
import { MaxInFlight, RateFrom, RateTo } from '../../scenario/fields.js';
import { PositiveDuration, formatDurationMs, formatInteger } from '../../units.js';
import { baseFields, subscribersLabel } from './closed.js';
import {
  describeKnee,
  judgeStep,
  kneeState,
  type JudgedStep,
  type KneeSettings,
  type StepOutcome,
} from './knee-search.js';
import { openLoopRules, openShare, sumShares } from './open.js';
import type { RateSpec } from './rate.js';
import type { LoadBase, LoadDefinition } from './types.js';

export interface KneeSpec extends LoadBase {
  readonly model: 'knee';
  /** First rate offered, ops/s, all workers. */
  readonly from: number;
  /** Highest rate offered, ops/s. */
  readonly to: number;
  /** Rate multiplier between steps while the objective holds. */
  readonly factor: number;
  /** Bisection steps after the objective first broke. */
  readonly refine: number;
  /** The objective: p99 from the scheduled send time at most this, ms. */
  readonly p99Ms: number;
  readonly maxInFlight: number;
}

/** At most this many steps per search: bounded in count as well as in time. */
export const kneeMaxSteps = 12;
/** Share of sends that may wait for a free connection and still meet the objective. */
const maxQueuedShare = 0.01;
/** Default objective when the scenario sets none, ms. */
const defaultP99Ms = 50;

const Factor = z
  .number()
  .min(1.1)
  .max(10)
  .meta({ description: 'knee: rate multiplier between steps while the objective holds (1.1–10, default 2)' });
const Refine = z
  .int()
  .min(0)
  .max(6)
  .meta({ description: 'knee: bisection steps after the objective first broke (0–6, default 2)' });
const P99 = PositiveDuration.refine((ms) => ms <= 60_000, { message: 'must be at most 1m' }).meta({
  description: `knee: the objective's p99 latency bound, from the scheduled send time (at most 1m, default ${defaultP99Ms}ms)`,
});

function settingsOf(s: KneeSpec): KneeSettings {
  return {
    from: s.from,
    to: s.to,
    factor: s.factor,
    refine: s.refine,
    p99Ms: s.p99Ms,
    maxQueuedShare,
    maxSteps: kneeMaxSteps,
  };
}

/** The rate-model load of one step: the knee's connections at `rate` ops/s. */
export function kneeStepLoad(s: KneeSpec, rate: number): RateSpec {
  return {
    model: 'rate',
    ...baseFields(s),
    rate,
    maxInFlight: s.maxInFlight,
  };
}

/**
 * A step's figures for the objective. The driver counts as the limit only when the step's stored
 * verdict says DRIVER-LIMITED and its sends were late by more than a tenth of the p99 bound: a few ms of timer lateness at a low rate (the rate model's
 * flag) cannot break a 50 ms objective, and ending the search on it would blame the driver for nothing.
 */
function outcomeOf(s: KneeSpec, rate: number, m: Measurement): StepOutcome {
  const latency = m.delivery ? m.delivery.latency : m.latency;
  return {
    rate,
    throughput: m.throughput,
    p99Us: latency.p99,
    sent: m.sent,
    dropped: m.dropped,
    errors: m.errors.total,
    queued: m.backlog?.queued ?? 0,
    driverLimited: m.verdict.limit === 'DRIVER-LIMITED' && m.driver.sendLagP99 > s.p99Ms * 100,
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
 * Runs the search: `step(load, i)` measures one window at the rate model's `load` (the runner keeps
 * one server for all steps). Returns the measurement of the highest rate that met the objective
 * (the first step's when none did), with the whole search in `search`.
 */
export async function searchKnee(
  s: KneeSpec,
  step: (load: RateSpec, index: number) => Promise<Measurement>,
): Promise<Measurement> {
  const settings = settingsOf(s);
  const judged: JudgedStep[] = [];
  const measured: Measurement[] = [];
  let interrupted: Measurement | undefined;
  for (
    let state = kneeState(settings, judged);
    state.next !== undefined;
    state = kneeState(settings, judged)
  ) {
    let m: Measurement;
    try {
      m = await step(kneeStepLoad(s, state.next), judged.length);
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
  const state = kneeState(settings, judged);
  const search: SearchResult = {
    objective: { p99Ms: s.p99Ms, maxQueuedShare },
    steps: judged.map((j, i) => stepOf(j, measured[i]!)),
    ...(state.capacity !== undefined ? { capacity: state.capacity } : {}),
    end: interrupted ? 'interrupted' : (state.end ?? 'steps'),
    verdict: interrupted
      ? `search interrupted after ${judged.length} steps${state.capacity !== undefined ? `; capacity ≥ ${formatInteger(state.capacity)}/s so far` : ''}`
      : describeKnee(settings, judged),
  };
  const at = state.capacity === undefined ? 0 : judged.findIndex((j) => j.met && j.rate === state.capacity);
  // Stopped early, the row still shows the best step measured, marked with why the search ended.
  const best = measured[at] ?? measured[0];
  const chosen = interrupted ? (best ? { ...best, endReason: interrupted.endReason } : interrupted) : best;
  if (!chosen) throw new Error('the knee search measured no step');
  return { ...chosen, search };
}

/** Steps a search runs at most on a typical server: up by ×factor from `from` to `to`, then the bisections. */
function expectedSteps(s: KneeSpec): number {
  const up = Math.ceil(Math.log(s.to / s.from) / Math.log(s.factor)) + 1;
  return Math.min(kneeMaxSteps, up + s.refine);
}

export const knee = {
  name: 'knee',
  summary:
    "capacity search: open-loop steps from 'from'/s, ×factor while the objective holds (p99 ≤ p99, nothing dropped or waiting for a connection, no errors, the driver on time), then bisected; reports the highest rate that met it",
  shape: {
    from: RateFrom.optional(),
    to: RateTo.optional(),
    factor: Factor.optional(),
    refine: Refine.optional(),
    p99: P99.optional(),
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
      refine: typeof fields.refine === 'number' ? fields.refine : 2,
      p99Ms: typeof fields.p99 === 'number' ? fields.p99 : defaultP99Ms,
      maxInFlight: base.maxInFlight,
    };
  },
  describe: (s) => ({
    windows: expectedSteps(s),
    label: `knee ${s.from}→${s.to}/s × ${s.connections} conn${s.inFlight > 1 ? `×${s.inFlight}` : ''}${subscribersLabel(s)}`,
    schedule: 'open',
    offered: `${formatInteger(s.from)}→${formatInteger(s.to)}/s`,
    note:
      `knee: "knee A→B/s" cases search for capacity: open-loop steps of one window each, from A/s up by ×factor ` +
      `while the objective holds (p99 ≤ ${formatDurationMs(s.p99Ms)} from the scheduled send time, nothing dropped, ` +
      `at most ${maxQueuedShare * 100}% of sends waiting for a free connection, no errors, the driver late by less than a tenth of that bound), ` +
      `then bisected up to 'refine' times; the row shows the highest step that met it, and the search line says ` +
      `where and why it broke. A driver-limited step ends the search with a lower bound.`,
  }),
  idParts: (s) => ({ model: 'knee', rate: `${s.from}-${s.to}/s`, max: `max=${s.maxInFlight}` }),
  share: (s, connections, index, count) => openShare(s, ['from', 'to'], connections, index, count),
  combine: (parts) => sumShares(parts, ['connections', 'from', 'to', 'maxInFlight']),
  fromIntendedTime: true,
  maxOutstanding: (s) => Math.min(s.connections * s.inFlight, s.maxInFlight),
  // Each step is measured as a rate-model window and judged by the rate model's rules.
  limits: (s) => openLoopRules(s.to, s.maxInFlight),
  search: (s, step) => searchKnee(s, (load, i) => step(load, i)),
} satisfies LoadDefinition<KneeSpec>;
