import { MaxInFlight, Rate } from '../../plan/fields.js';
import { formatInteger } from '../../units.js';
import { subscribersLabel } from './closed.js';
import { openLoop, openLoopRules, openShare, sumShares } from './open.js';
import type { LoadDefinition, LoadModel } from './types.js';
import type { RateSpec } from '../../plan/load.js';

export type { RateSpec } from '../../plan/load.js';

/**
 * Open loop at a constant arrival rate (wrk2, vegeta, k6 constant-arrival-rate). Operation i is due
 * at t0 + i/rate whatever happened to earlier ones (see openLoop for the backlog and drops).
 */
export function constantRate(opts: {
  rate: number;
  inFlight: number;
  maxInFlight: number;
  /** Operation 0 is due this many ms after `ctx.startAt` (worker threads interleave their schedules). */
  phaseMs?: number;
}): LoadModel {
  const interval = 1000 / opts.rate;
  return openLoop({
    inFlight: opts.inFlight,
    maxInFlight: opts.maxInFlight,
    schedule: (ctx) => {
      const t0 = ctx.startAt + (opts.phaseMs ?? 0);
      return (i) => t0 + i * interval;
    },
  });
}

export const rate = {
  name: 'rate',
  summary: "open loop at 'rate' operations/s (default when 'rate' is given, else closed)",
  shape: { rate: Rate.optional(), maxInFlight: MaxInFlight.optional() },
  impliedBy: ['rate'],
  resolve: (fields, base): RateSpec | string =>
    typeof fields.rate !== 'number'
      ? "model 'rate' needs load.rate (operations per second)"
      : {
          model: 'rate',
          connections: base.connections,
          rate: fields.rate,
          inFlight: base.inFlight,
          maxInFlight: base.maxInFlight,
          ...(base.subscribers === undefined ? {} : { subscribers: base.subscribers }),
        },
  describe: (s) => ({
    label: `rate ${s.rate}/s c=${s.connections}${s.inFlight > 1 ? `×${s.inFlight}` : ''}${subscribersLabel(s)}`,
    schedule: 'open',
    offered: `${formatInteger(s.rate)}/s`,
  }),
  idParts: (s) => ({ rate: `${s.rate}/s`, max: `max=${s.maxInFlight}` }),
  share: (s, connections, index, count) => openShare(s, ['rate'], connections, index, count),
  combine: (parts) => sumShares(parts, ['connections', 'rate', 'maxInFlight']),
  fromIntendedTime: true,
  maxOutstanding: (s) => Math.min(s.connections * s.inFlight, s.maxInFlight),
  limits: (s) => openLoopRules(s.rate, s.maxInFlight),
  model: (s, placement) =>
    constantRate({
      rate: s.rate,
      inFlight: s.inFlight,
      maxInFlight: s.maxInFlight,
      phaseMs: ((placement?.phase ?? 0) * 1000) / s.rate,
    }),
} satisfies LoadDefinition<RateSpec>;
