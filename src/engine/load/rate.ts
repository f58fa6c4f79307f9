import type { LoadContext, LoadModel } from './types.js';

/**
 * Open loop at a constant arrival rate (wrk2, vegeta, k6 constant-arrival-rate). Operation i is due
 * at t0 + i/rate whatever happened to earlier ones, and its latency is measured from that due time.
 * A due operation goes to a connection with room (each carries at most `inFlight`); when none has
 * room it waits in a backlog and is sent as soon as one frees up (so its service time starts late
 * while its latency still counts from the due time: a stalled server shows in the corrected
 * percentiles, not in the service times). When `maxInFlight` operations are outstanding or waiting,
 * a due operation is dropped and counted, never silently skipped.
 */
export function constantRate(opts: {
  rate: number;
  inFlight: number;
  maxInFlight: number;
  /** Operation 0 is due this many ms after `ctx.startAt` (worker threads interleave their schedules). */
  phaseMs?: number;
}): LoadModel {
  const interval = 1000 / opts.rate;
  return {
    async run(ctx: LoadContext): Promise<void> {
      const outstandingOn = new Array<number>(ctx.connections).fill(0);
      const backlog: number[] = [];
      /** When each backlog entry started waiting for a free connection. */
      const queuedAt: number[] = [];
      let backlogHead = 0;
      let outstanding = 0;
      let nextConnection = 0;
      let allDone: (() => void) | undefined;

      const freeConnection = (): number => {
        for (let tried = 0; tried < ctx.connections; tried++) {
          const c = nextConnection;
          nextConnection = (nextConnection + 1) % ctx.connections;
          if ((outstandingOn[c] ?? 0) < opts.inFlight) return c;
        }
        return -1;
      };
      const dispatch = (c: number, intended: number, queuedMs: number): void => {
        outstanding++;
        outstandingOn[c] = (outstandingOn[c] ?? 0) + 1;
        void ctx.perform(c, intended, queuedMs).then(() => {
          outstanding--;
          outstandingOn[c] = (outstandingOn[c] ?? 0) - 1;
          if (backlogHead < backlog.length && !ctx.signal.aborted) {
            const waited = ctx.clock.now() - (queuedAt[backlogHead] as number);
            dispatch(c, backlog[backlogHead++] as number, waited);
            if (backlogHead === backlog.length) backlog.length = queuedAt.length = backlogHead = 0;
          } else if (outstanding === 0) {
            allDone?.();
          }
        });
      };

      const t0 = ctx.startAt + (opts.phaseMs ?? 0);
      for (let i = 0; !ctx.signal.aborted;) {
        const due = t0 + i * interval;
        if (due >= ctx.endAt) break;
        if (ctx.clock.now() < due) {
          await ctx.clock.sleepUntil(due);
          continue;
        }
        // Issue every operation due by now: a late timer is caught up, never skipped.
        const now = ctx.clock.now();
        for (let d = due; d <= now && d < ctx.endAt && !ctx.signal.aborted; d = t0 + ++i * interval) {
          const waiting = backlog.length - backlogHead;
          if (outstanding + waiting >= opts.maxInFlight) {
            ctx.drop(d);
            continue;
          }
          const c = waiting === 0 ? freeConnection() : -1;
          if (c >= 0) dispatch(c, d, 0);
          else {
            backlog.push(d);
            queuedAt.push(now);
          }
        }
      }
      // Operations still waiting in the backlog at abort are never sent: they are dropped.
      if (ctx.signal.aborted) {
        for (let k = backlogHead; k < backlog.length; k++) ctx.drop(backlog[k] as number);
        backlog.length = queuedAt.length = backlogHead = 0;
      }
      if (outstanding > 0 || backlogHead < backlog.length) {
        await new Promise<void>((resolve) => (allDone = resolve));
      }
    },
  };
}
