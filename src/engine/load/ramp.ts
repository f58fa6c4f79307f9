import { MaxInFlight, RateFrom as From, RateTo as To } from '../../plan/fields.js';
import { formatInteger } from '../../units.js';
import { baseFields, subscribersLabel } from './closed.js';
import { openLoop, openLoopRules, openShare, sumShares, type DueTimes } from './open.js';
import type { LoadContext, LoadDefinition, LoadModel } from './types.js';
import type { RampSpec } from '../../plan/load.js';

export type { RampSpec } from '../../plan/load.js';

/**
 * Open loop whose arrival rate ramps linearly (k6's ramping-arrival-rate with one linear stage):
 * `from`/s through the warm-up, then from `from`/s at the start of the measured window to `to`/s at
 * its end. Operation i is due when the integral of the rate since `ctx.startAt` reaches i + phase;
 * latency runs from that due time, and the backlog and drops at maxInFlight are the rate model's
 * (see openLoop).
 */
export function linearRamp(opts: {
  /** Operations per second at the window's start (and through the warm-up), and at its end. */
  from: number;
  to: number;
  inFlight: number;
  maxInFlight: number;
  /** Offset into the schedule, in operations (worker share i of n: i/n). */
  phase?: number;
}): LoadModel {
  return openLoop({
    inFlight: opts.inFlight,
    maxInFlight: opts.maxInFlight,
    schedule: (ctx) => rampDueTimes(ctx, opts.from, opts.to, opts.phase ?? 0),
  });
}

/**
 * Due times of a linear ramp on `ctx`'s clock (ms). With the window's rate in ops/ms r(u) = b + 2a·u,
 * u ms into the window, N(u) = b·u + a·u² operations fall due; operation n of the window is due at
 * the root u = 2n / (b + √(b² + 4an)) (stable also for a = 0 and for a ramp down).
 */
export function rampDueTimes(
  ctx: Pick<LoadContext, 'startAt' | 'windowAt' | 'endAt'>,
  from: number,
  to: number,
  phase: number,
): DueTimes {
  const windowMs = ctx.endAt - ctx.windowAt;
  const b = from / 1000;
  const a = windowMs > 0 ? (to - from) / (2 * windowMs * 1000) : 0;
  const warmupOps = b * (ctx.windowAt - ctx.startAt);
  return (i) => {
    const n = i + phase;
    if (n < warmupOps) return ctx.startAt + n / b;
    const m = n - warmupOps;
    const disc = b * b + 4 * a * m;
    if (disc < 0) return Number.POSITIVE_INFINITY;
    return ctx.windowAt + (2 * m) / (b + Math.sqrt(disc));
  };
}

export const ramp = {
  name: 'ramp',
  summary:
    "open loop whose rate ramps linearly from 'from' to 'to' operations/s over the measured window (warm-up at 'from')",
  shape: { from: From.optional(), to: To.optional(), maxInFlight: MaxInFlight.optional() },
  impliedBy: ['from', 'to'],
  resolve: (fields, base): RampSpec | string =>
    typeof fields.from !== 'number' || typeof fields.to !== 'number'
      ? "model 'ramp' needs load.from and load.to (operations per second at the start and the end of the window)"
      : {
          model: 'ramp',
          ...baseFields(base),
          from: fields.from,
          to: fields.to,
          maxInFlight: base.maxInFlight,
        },
  describe: (s) => ({
    label: `ramp ${s.from}→${s.to}/s × ${s.connections} conn${s.inFlight > 1 ? `×${s.inFlight}` : ''}${subscribersLabel(s)}`,
    schedule: 'open',
    offered: `${formatInteger(s.from)}→${formatInteger(s.to)}/s`,
    note:
      'ramp: "ramp A→B/s" cases raise the open-loop rate linearly from A/s at the start of the measured window ' +
      'to B/s at its end (A/s through the warm-up); latency runs from the intended send time like rate, and the ' +
      'percentiles cover the whole ramp: read the timeline (per second) for where latency rose or drops began.',
  }),
  idParts: (s) => ({ model: 'ramp', rate: `${s.from}-${s.to}/s`, max: `max=${s.maxInFlight}` }),
  share: (s, connections, index, count) => openShare(s, ['from', 'to'], connections, index, count),
  combine: (parts) => sumShares(parts, ['connections', 'from', 'to', 'maxInFlight']),
  fromIntendedTime: true,
  maxOutstanding: (s) => Math.min(s.connections * s.inFlight, s.maxInFlight),
  // The tightest spacing is at the faster end: the send-lag and backlog limits are judged there.
  limits: (s) => openLoopRules(Math.max(s.from, s.to), s.maxInFlight),
  model: (s, placement) =>
    linearRamp({
      from: s.from,
      to: s.to,
      inFlight: s.inFlight,
      maxInFlight: s.maxInFlight,
      phase: placement?.phase ?? 0,
    }),
} satisfies LoadDefinition<RampSpec>;
