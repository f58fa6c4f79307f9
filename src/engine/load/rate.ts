import type { LoadContext, LoadModel } from './types.js';

/**
 * Open loop at a constant arrival rate (wrk2, vegeta, k6 constant-arrival-rate). Operation i is due
 * at t0 + i/rate whatever happened to earlier ones; its latency is measured from that due time, so
 * a stalled server shows in the percentiles. Operations go round-robin to connections with room
 * (at most ceil(maxInFlight / connections) each); when `maxInFlight` are outstanding, or no
 * connection has room, the due operation is dropped and counted.
 */
export function constantRate(opts: { rate: number; maxInFlight: number }): LoadModel {
  const interval = 1000 / opts.rate;
  return {
    async run(ctx: LoadContext): Promise<void> {
      const perConnection = Math.ceil(opts.maxInFlight / ctx.connections);
      const outstandingOn = new Array<number>(ctx.connections).fill(0);
      const pending = new Set<Promise<void>>();
      let outstanding = 0;
      let nextConnection = 0;
      const t0 = ctx.clock.now();

      const pickConnection = (): number => {
        for (let tried = 0; tried < ctx.connections; tried++) {
          const c = nextConnection;
          nextConnection = (nextConnection + 1) % ctx.connections;
          if ((outstandingOn[c] ?? 0) < perConnection) return c;
        }
        return -1;
      };

      for (let i = 0; !ctx.signal.aborted; ) {
        const due = t0 + i * interval;
        if (due >= ctx.endAt) break;
        if (ctx.clock.now() < due) {
          await ctx.clock.sleepUntil(due);
          continue;
        }
        // Issue every operation that is due by now (a late timer is caught up, never skipped).
        const now = ctx.clock.now();
        for (let d = t0 + i * interval; d <= now && d < ctx.endAt && !ctx.signal.aborted; d = t0 + ++i * interval) {
          const c = outstanding < opts.maxInFlight ? pickConnection() : -1;
          if (c < 0) {
            ctx.drop(d);
            continue;
          }
          outstanding++;
          outstandingOn[c] = (outstandingOn[c] ?? 0) + 1;
          const op = ctx.perform(c, d).then(() => {
            outstanding--;
            outstandingOn[c] = (outstandingOn[c] ?? 0) - 1;
            pending.delete(op);
          });
          pending.add(op);
        }
      }
      await Promise.all(pending);
    },
  };
}
