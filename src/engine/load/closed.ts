import { sumShares } from './open.js';
import type { LoadBase, LoadContext, LoadDefinition, LoadModel } from './types.js';
import type { ClosedSpec } from '../../plan/load.js';

export type { ClosedSpec } from '../../plan/load.js';

/**
 * Closed loop: every connection keeps `inFlight` operations outstanding; a new one starts as soon
 * as one finishes. Throughput is whatever the system gives; latency is service time (a stalled
 * server also stalls the senders, so percentiles understate stalls — coordinated omission).
 */
export function closedLoop(opts: { inFlight: number }): LoadModel {
  return {
    async run(ctx: LoadContext): Promise<void> {
      // A pattern that answers without I/O (inproc) resolves in microtasks only; yielding to the
      // event loop between operations once per millisecond keeps timers (CPU snapshots, progress,
      // abort) running at a negligible cost.
      let yieldedAt = ctx.clock.now();
      const loop = async (connection: number): Promise<void> => {
        while (!ctx.signal.aborted) {
          const now = ctx.clock.now();
          if (now >= ctx.endAt) return;
          if (ctx.clock.yieldToEventLoop && now - yieldedAt >= 1) {
            yieldedAt = now;
            await ctx.clock.yieldToEventLoop();
            continue;
          }
          await ctx.perform(connection, now);
        }
      };
      const loops: Promise<void>[] = [];
      for (let c = 0; c < ctx.connections; c++) {
        for (let k = 0; k < opts.inFlight; k++) loops.push(loop(c));
      }
      await Promise.all(loops);
    },
  };
}

/** ' s=4' when subscribers are set. */
export function subscribersLabel(spec: LoadBase): string {
  return spec.subscribers === undefined ? '' : ` s=${spec.subscribers}`;
}

/** The common fields of a resolved spec; `subscribers` only when set (absent otherwise). */
export function baseFields(base: LoadBase): LoadBase {
  return {
    connections: base.connections,
    inFlight: base.inFlight,
    ...(base.subscribers === undefined ? {} : { subscribers: base.subscribers }),
  };
}

export const closed = {
  name: 'closed',
  summary: "'connections' clients each keep 'inFlight' operations outstanding, as fast as possible",
  shape: {},
  resolve: (_fields, base): ClosedSpec => ({ model: 'closed', ...baseFields(base) }),
  describe: (s) => ({
    label: `closed c=${s.connections}×${s.inFlight}${subscribersLabel(s)}`,
    schedule: 'closed',
  }),
  idParts: () => ({ model: 'closed' }),
  share: (s, connections) => ({ load: { ...s, connections } }),
  combine: (parts) => sumShares(parts, ['connections']),
  fromIntendedTime: false,
  maxOutstanding: (s) => s.connections * s.inFlight,
  // A closed loop's driver is judged by its event loop (no schedule to fall behind).
  limits: () => ({}),
  model: (s) => closedLoop({ inFlight: s.inFlight }),
} satisfies LoadDefinition<ClosedSpec>;
