import { encodeHistogram, type Histogram } from '../../metrics/histogram.js';
import { saturation } from '../../metrics/saturation.js';
import type { BacklogMetrics } from '../../result/types.js';
import type { LimitRules, LoadBase, LoadContext, LoadModel, SharePlacement } from './types.js';

/**
 * The open-loop machinery shared by the open models (rate, ramp): issuing operations at due times
 * that do not depend on earlier ones, the backlog for busy connections, drops at maxInFlight, and
 * what the who-limited-the-run verdict needs to know of an open schedule.
 */

/** Due time (clock ms) of operation `i` of a schedule, increasing in i; ≥ ctx.endAt ends it. */
export type DueTimes = (i: number) => number;

/**
 * Runs an open loop: operation i is due at `schedule(ctx)(i)` whatever happened to earlier ones,
 * and its latency is measured from that due time. A due operation goes to a connection with room
 * (each carries at most `inFlight`); when none has room it waits in a backlog and is sent as soon
 * as one frees up (so its service time starts late while its latency still counts from the due
 * time: a stalled server shows in the corrected percentiles, not in the service times). When
 * `maxInFlight` operations are outstanding or waiting, a due operation is dropped and counted,
 * never silently skipped (k6's dropped_iterations).
 */
export function openLoop(opts: {
  inFlight: number;
  maxInFlight: number;
  schedule: (ctx: LoadContext) => DueTimes;
}): LoadModel {
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

      const dueAt = opts.schedule(ctx);
      for (let i = 0; !ctx.signal.aborted;) {
        const due = dueAt(i);
        if (due >= ctx.endAt) break;
        if (ctx.clock.now() < due) {
          await ctx.clock.sleepUntil(due);
          continue;
        }
        // Issue every operation due by now: a late timer is caught up, never skipped.
        const now = ctx.clock.now();
        for (let d = due; d <= now && d < ctx.endAt && !ctx.signal.aborted; d = dueAt(++i)) {
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

/** Share `index` of `total` split `count` ways in whole numbers; the shares sum to `total`. */
export function evenShare(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

/**
 * Where share `index` of an open schedule starts when it carries `connections` of `total`: its
 * first operation is `index · connections / total` of its own interval late (i/n for equal
 * shares), so n equal shares interleave into the unsplit schedule.
 */
export function openPlacement(index: number, connections: number, total: number): SharePlacement | undefined {
  const phase = (index * connections) / total;
  return phase > 0 ? { phase } : undefined;
}

/** Open loop: the send lag (p99, µs) above which the driver is blamed; also the backlog's limit. */
export function lagLimitUs(peakRate: number): number {
  return Math.max(saturation.sendLagP99Us, (saturation.sendLagShareOfInterval * 1e6) / peakRate);
}

/**
 * What an open loop whose fastest rate is `peakRate`/s tells the verdict: sends may fall behind
 * the schedule by `lagLimitUs` (5 ms, or one interval at slow rates: the lag is kept out of the
 * latency, so it matters only when it bunches the schedule), and a wait for a free connection is
 * judged against the same limit. Its event loop is busy by design while it paces, so that alone blames
 * nothing. The verdict itself is decided in src/engine/verdict.ts.
 */
export function openLoopRules(peakRate: number, maxInFlight: number): LimitRules {
  return { lagLimitUs: lagLimitUs(peakRate), maxInFlight };
}

/**
 * The server's backlog of an open run: `queued` of the `sent` operations waited for a free
 * connection, `wait` holds their waits (µs); its p99 is taken over every send (one that found a
 * connection free waited 0).
 */
export function backlogMetrics(sent: number, queued: number, wait: Histogram): BacklogMetrics {
  return {
    queued,
    waitP99: percentileOverAll(wait, sent, 99),
    waitMax: wait.totalCount === 0 ? 0 : wait.getValueAtPercentile(100),
    encoded: encodeHistogram(wait),
  };
}

/** The `p`th percentile over `total` values of which only those in `h` are non-zero. */
export function percentileOverAll(h: Histogram, total: number, p: number): number {
  const n = h.totalCount;
  if (n === 0 || total <= 0) return 0;
  const above = ((100 - p) / 100) * Math.max(total, n);
  if (above >= n) return 0;
  return h.getValueAtPercentile(100 * (1 - above / n));
}

/**
 * Share `index` of `count` of an open spec carrying `connections` of its connections: each field
 * in `rates` (ops/s) in proportion to the connections, maxInFlight split in whole numbers so the
 * shares sum to the whole, and the share's placement in the interleaved schedule.
 */
export function openShare<S extends LoadBase & { readonly maxInFlight: number }>(
  s: S,
  rates: readonly (keyof S & string)[],
  connections: number,
  index: number,
  count: number,
): { load: S; placement?: SharePlacement } {
  const load = {
    ...s,
    connections,
    maxInFlight: Math.max(1, evenShare(s.maxInFlight, index, count)),
  } as unknown as Record<string, unknown>;
  for (const k of rates) load[k] = ((s[k] as number) * connections) / s.connections;
  const placement = openPlacement(index, connections, s.connections);
  return { load: load as S, ...(placement ? { placement } : {}) };
}

/** Shares run side by side as one load: the first share with the numeric fields `keys` summed. */
export function sumShares<S extends LoadBase>(parts: readonly S[], keys: readonly (keyof S & string)[]): S {
  const whole = { ...parts[0]! } as Record<string, unknown>;
  for (const k of keys) whole[k] = parts.reduce((a, p) => a + (p[k] as number), 0);
  return whole as S;
}
