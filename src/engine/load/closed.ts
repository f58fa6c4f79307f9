import type { LoadContext, LoadModel } from './types.js';

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
