/**
 * Numeric scenario fields shared by the scenario schema and the load models' schema fragments
 * (src/engine/load/<model>.ts), kept apart from schema.ts so that the models can use them while the
 * schema composes the models (no import cycle).
 */
import { z } from 'zod';
import { bounds } from './bounds.js';

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));
const ratePattern = '^\\s*\\d+(\\.\\d+)?([eE]\\d+)?\\s*(/s)?\\s*$';

/** An integer ≥ 1 (connections, workers, repeat, ...). */
export const Count = z.int().min(1).meta({ id: 'Count' });
const bounded = (max: number, description: string) =>
  Count.max(max).meta({ description: `${description} (at most ${max})` });
export const Connections = bounded(
  bounds.connections,
  'connections (clients) of the case, all workers together; also limited by ulimit -n, loopback ports and memory',
);
export const InFlight = bounded(
  bounds.inFlight,
  'most operations outstanding on one connection (1 = no pipelining; default 1)',
);
export const MaxInFlight = bounded(
  bounds.maxInFlight,
  'rate, ramp: operations outstanding or queued at which a due one is dropped (default 1000)',
);
export const Subscribers = z
  .int()
  .min(0)
  .max(bounds.subscribers)
  .meta({
    description: `push and queue patterns: subscribers (consumers) opened in the driver, each receiving deliveries (default 1; at most ${bounds.subscribers})`,
  });
/** How a driver thread waits for an open loop's next due time (see src/engine/clock.ts Pacing). */
export const PacingField = z.enum(['auto', 'spin', 'sleep']).meta({
  description:
    "open loops (rate, ramp, knee): how the driver waits for each due time. 'spin' busy-waits (µs-exact sends, a core busy at any rate), 'sleep' sleeps on a timing thread (costs what it sends; its lateness is measured as send lag and kept out of the latency); 'auto' (default) spins only when the driver has a core to itself (placement, or at least twice as many cores as driver threads + serving processes)",
});
export const Workers = bounded(bounds.workers, 'driver worker threads, each driving at least one connection');
/** Driver processes: a number, or 'auto' (as many as the open-file limit needs for the case's connections). */
export const Processes = z
  .union([Count.max(bounds.processes), z.literal('auto')], {
    error: () => `expected a number of driver processes (1 to ${bounds.processes}) or 'auto'`,
  })
  .meta({
    description: `driver processes, each with its own open-file limit and event loop, the connections and rate split among them (at most ${bounds.processes}); 'auto': as many as the open-file limit needs for the case's connections`,
  });
export const Repeat = bounded(bounds.repeat, 'repetitions of each case');
export const VerifyEvery = bounded(bounds.verifyEvery, 'compare the whole echo every n-th operation');
/** Operations per second, > 0: a number, or a string such as '2000' or '2000/s'. */
export const Rate = z
  .union([z.number(), z.string().meta({ pattern: ratePattern })], {
    error: () => "expected operations per second, e.g. 2000 or '2000/s'",
  })
  .transform((v, ctx) => {
    const n = typeof v === 'number' ? v : new RegExp(ratePattern).test(v) ? parseFloat(v) : NaN;
    if (!Number.isFinite(n) || n <= 0) {
      ctx.issues.push({
        code: 'custom',
        input: v,
        message: `invalid rate ${show(v)}: expected operations per second > 0, e.g. 2000 or '2000/s'`,
      });
      return z.NEVER;
    }
    if (n > bounds.rate) {
      ctx.issues.push({
        code: 'custom',
        input: v,
        message: `must be at most ${bounds.rate}/s, got ${show(v)}`,
      });
      return z.NEVER;
    }
    return n;
  })
  .meta({
    id: 'Rate',
    description: `operations per second, > 0 (at most ${bounds.rate})`,
    examples: [2000, '2000/s'],
  });

/** `load.from` / `load.to` of the ramp and knee models (one schema each: the models share the fields). */
export const RateFrom = Rate.meta({
  description:
    'ramp: operations per second at the start of the measured window and through the warm-up; knee: the first rate offered',
});
export const RateTo = Rate.meta({
  description:
    'ramp: operations per second at the end of the measured window; knee: the highest rate offered',
});
