/**
 * Scale-out: `--shard i/N` gives this load generator the i-th of N equal shares of every case's
 * load, `--start-at` a wall-clock time every shard starts its first case at. The shares' results are
 * joined with `commbench merge`, which sums them (exact histogram merge) and the loads back.
 */
import { describeLoad, shareLoad } from '../engine/load/registry.js';
import { CommbenchError } from '../errors.js';
import { casePushes } from '../patterns/registry.js';
import type { CaseSpec, LoadSpec, Plan } from '../plan/types.js';

/** This load generator's share: `index` of `count` (0-based, as Kubernetes' JOB_COMPLETION_INDEX). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

const shardHint =
  'e.g. --shard 0/3 (0-based, as $JOB_COMPLETION_INDEX/3); the shards of one run are 0/N … N-1/N';

/** Parses 'i/N' (0 ≤ i < N). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new CommbenchError('E_USAGE', `--shard ${JSON.stringify(text)}: expected i/N with 0 ≤ i < N`, {
      hint: shardHint,
    });
  }
  return { index, count };
}

/** How far ahead `--start-at` may be (shards are started together; a week covers an overnight plan). */
export const startAtMaxAheadMs = 7 * 24 * 3600_000;
/** How far in the past `--start-at` may be (a shard started a little late still joins; older is a mistake). */
export const startAtMaxBehindMs = 3600_000;

/**
 * Parses an ISO 8601 time ('2026-12-02T20:00:00Z') or epoch milliseconds; returns epoch ms. Throws
 * E_USAGE for anything else, and for a time more than a week ahead or an hour in the past of `now`
 * (epoch seconds given as milliseconds land in 1970).
 */
export function parseStartAt(text: string, now = Date.now()): number {
  const trimmed = text.trim();
  const epoch = /^\d{10,}$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  const example = `e.g. --start-at ${new Date(Math.ceil(now / 60_000) * 60_000 + 60_000).toISOString()} or --start-at $(( $(date +%s) * 1000 + 30000 ))`;
  if (!Number.isFinite(epoch) || !/^\d{10,}$|^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    throw new CommbenchError('E_USAGE', `--start-at ${JSON.stringify(text)}: not an ISO time or epoch ms`, {
      hint: example,
    });
  }
  const ahead = epoch - now;
  if (ahead > startAtMaxAheadMs || ahead < -startAtMaxBehindMs) {
    const when = Number.isNaN(new Date(epoch).getTime()) ? 'out of range' : new Date(epoch).toISOString();
    const seconds = /^\d{10}$/.test(trimmed) ? ' (epoch seconds? it takes milliseconds)' : '';
    throw new CommbenchError(
      'E_USAGE',
      `--start-at ${JSON.stringify(text)} (${when}) is ${ahead > 0 ? 'more than 7 days ahead' : 'more than an hour in the past'}${seconds}`,
      { hint: `a time between an hour ago and 7 days ahead, ${example}` },
    );
  }
  return epoch;
}

/**
 * Share `index` of `count` of a load: connections and maxInFlight spread as evenly as whole
 * numbers go (the first `total % count` shares get one more, so the shares sum to the whole), the
 * rate in proportion to the connections, so each connection keeps the unsharded per-connection rate.
 */
export function shardLoad(load: LoadSpec, { index, count }: Shard): LoadSpec {
  return shareLoad(load, index, count).load;
}

/**
 * The plan this shard runs: every case with its share of the load; ids unchanged so `merge` pairs
 * the shards' cases. Throws E_USAGE (every problem at once) for a case with fewer connections than
 * shards, and for push and queue patterns: their subscribers see every shard's messages, so
 * neither fan-out nor delivery counts split across load generators.
 */
export async function shardPlan(plan: Plan, shard: Shard): Promise<Plan> {
  const problems: string[] = [];
  const cases: CaseSpec[] = [];
  for (const spec of plan.cases) {
    if (await casePushes(spec)) {
      problems.push(
        `${spec.id}: ${spec.pattern} pushes to subscribers, which receive every shard's messages`,
      );
      continue;
    }
    if (spec.load.connections < shard.count) {
      problems.push(`${spec.id}: ${spec.load.connections} connection(s) cannot be split ${shard.count} ways`);
      continue;
    }
    const load = shardLoad(spec.load, shard);
    cases.push({ ...spec, load, loadInfo: describeLoad(load, spec.workers) });
  }
  if (problems.length > 0) {
    throw new CommbenchError(
      'E_USAGE',
      `--shard ${shard.index}/${shard.count}: some cases cannot be sharded`,
      {
        details: problems,
        hint: 'leave those out with --pattern, give them at least N connections (--connections), or run push and queue patterns from one load generator',
      },
    );
  }
  return { ...plan, cases };
}
