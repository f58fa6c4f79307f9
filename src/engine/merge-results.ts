/**
 * `merge A.json B.json ...`: results of the same scenario run at the same time from several load
 * generators (machines or processes) against the same servers, summed into one result: latency
 * histograms merged exactly, operations and throughputs summed, bytes and CPU per operation
 * recomputed from the totals, every environment listed in `mergedFrom`. Repetition i of every input
 * is taken to have run alongside repetition i of the others; a case keeps the repetitions every
 * input has, and its summary is built from exactly those (as `run` builds it from its repetitions).
 */
import { mergeVerdicts } from './verdict.js';
import { describeLoad, loadDefinition } from './load/registry.js';
import { mergeMeasurements, mergeTimelines, uniqueByRole } from './measure.js';
import { CommbenchError } from '../errors.js';
import { mergeEncoded, summarizeHistogram } from '../metrics/histogram.js';
import type {
  CaseResult,
  CaseStatus,
  ConnectionCost,
  DeliveryMetrics,
  HelperMetrics,
  LatencySummary,
  Measurement,
  Result,
  ServerMetrics,
} from '../result/types.js';
import type { CaseSpec } from '../plan/types.js';

export interface MergeInput {
  /** The file name, recorded in `mergedFrom`. */
  readonly file: string;
  readonly result: Result;
}

/**
 * Merges results of the same scenario (same plan name and case ids). Throws E_MERGE_MISMATCH,
 * listing every difference, when they are not; E_USAGE with fewer than two inputs. `notes` receives
 * what the merge left out (repetitions only some inputs have), for the CLI to print.
 */
export function mergeResults(inputs: readonly MergeInput[], notes: string[] = []): Result {
  if (inputs.length < 2) {
    throw new CommbenchError('E_USAGE', 'merge needs at least two result files', {
      hint: 'commbench merge a.json b.json --out merged.json',
    });
  }
  const first = inputs[0]!.result;
  const ids = first.plan.cases.map((c) => c.id);
  const problems: string[] = [];
  for (const { file, result } of inputs.slice(1)) {
    if (result.plan.name !== first.plan.name)
      problems.push(`${file}: scenario ${result.plan.name}, not ${first.plan.name}`);
    const theirs = result.plan.cases.map((c) => c.id);
    const missing = ids.filter((id) => !theirs.includes(id));
    const extra = theirs.filter((id) => !ids.includes(id));
    if (missing.length > 0) problems.push(`${file}: lacks case(s) ${missing.join(', ')}`);
    if (extra.length > 0) problems.push(`${file}: has extra case(s) ${extra.join(', ')}`);
  }
  const shards = shardProblems(inputs);
  problems.push(...shards);
  if (problems.length === 0) problems.push(...planProblems(inputs));
  if (problems.length > 0) {
    throw new CommbenchError('E_MERGE_MISMATCH', 'the results are not runs of the same scenario', {
      details: problems,
      hint:
        shards.length > 0
          ? 'merge the results of every shard of one run, each once: shard-0.json … shard-<N-1>.json of `run --shard i/N`'
          : 'merge only results of one `commbench run` invocation repeated on each load generator (same scenario and options)',
    });
  }
  const apart = windowProblems(inputs);
  if (apart.length > 0) {
    throw new CommbenchError('E_MERGE_MISMATCH', 'the results were not taken at the same time', {
      details: apart,
      hint: 'merge sums load generators that ran side by side; start them together (run --shard i/N --start-at <time> on each) and merge those results',
    });
  }
  const cases = ids.flatMap((id): CaseResult[] => {
    const parts = inputs
      .map((i) => i.result.cases.find((c) => c.spec.id === id))
      .filter((c): c is CaseResult => c !== undefined);
    if (parts.length === 0) return [];
    const counts = parts.map((p) => p.repetitions.length);
    const kept = Math.min(...counts);
    if (counts.some((n) => n > kept)) {
      notes.push(
        `${id}: kept ${kept} repetition${kept === 1 ? '' : 's'} (the fewest any input has: ${inputs.map((input, i) => `${input.file} ${counts[i]}`).join(', ')}); the rest ran without every generator and are left out of the repetitions and the summary`,
      );
    }
    return [first.shard ? withSummedLoad(mergeCase(parts), parts) : mergeCase(parts)];
  });
  const ends = inputs.map((i) => i.result.endReason);
  const endReason = ends.includes('interrupted')
    ? 'interrupted'
    : ends.includes('failed')
      ? 'failed'
      : 'completed';
  const messages = inputs.filter((i) => i.result.endMessage).map((i) => `${i.file}: ${i.result.endMessage}`);
  return {
    schemaVersion: first.schemaVersion,
    tool: first.tool,
    startedAt: inputs.map((i) => i.result.startedAt).sort()[0]!,
    finishedAt: inputs
      .map((i) => i.result.finishedAt)
      .sort()
      .at(-1)!,
    environment: first.environment,
    plan: first.shard ? { ...first.plan, cases: cases.map((c) => c.spec) } : first.plan,
    cases,
    endReason,
    ...(messages.length > 0 ? { endMessage: messages.join('; ') } : {}),
    mergedFrom: inputs.flatMap(({ file, result }) =>
      result.mergedFrom
        ? result.mergedFrom
        : [
            {
              file,
              startedAt: result.startedAt,
              finishedAt: result.finishedAt,
              environment: result.environment,
            },
          ],
    ),
  };
}

/** The windows each input (or each source of an already merged input) ran in, epoch ms. */
function windowsOf(input: MergeInput): { file: string; from: number; to: number }[] {
  const sources = input.result.mergedFrom ?? [
    { file: input.file, startedAt: input.result.startedAt, finishedAt: input.result.finishedAt },
  ];
  return sources.map((s) => ({ file: s.file, from: Date.parse(s.startedAt), to: Date.parse(s.finishedAt) }));
}

/**
 * Results that were not running at the same time cannot be summed into one throughput: every
 * window must overlap every other (the latest start before the earliest end).
 */
function windowProblems(inputs: readonly MergeInput[]): string[] {
  const windows = inputs.flatMap(windowsOf);
  if (windows.some((w) => !Number.isFinite(w.from) || !Number.isFinite(w.to)))
    return windows
      .filter((w) => !Number.isFinite(w.from) || !Number.isFinite(w.to))
      .map((w) => `${w.file}: no valid startedAt/finishedAt`);
  const latestStart = windows.reduce((a, w) => (w.from > a.from ? w : a));
  const earliestEnd = windows.reduce((a, w) => (w.to < a.to ? w : a));
  if (latestStart.from < earliestEnd.to) return [];
  const span = (w: { from: number; to: number }): string =>
    `${new Date(w.from).toISOString()} – ${new Date(w.to).toISOString()}`;
  const gapS = Math.round((latestStart.from - earliestEnd.to) / 1000);
  return [
    `${earliestEnd.file} ran ${span(earliestEnd)}`,
    `${latestStart.file} ran ${span(latestStart)}, ${gapS} s after the other ended`,
  ];
}

/**
 * The inputs must run one plan: per case the same pattern, options, payload, durations, timeout,
 * server delay, target and request, and the same load model (shards' loads are shares, so only the
 * model is compared; side-by-side runs must have the same load). Shards of one run share their
 * `--start-at`.
 */
function planProblems(inputs: readonly MergeInput[]): string[] {
  const first = inputs[0]!;
  const sharded = first.result.shard !== undefined;
  const fingerprint = (spec: CaseSpec): Record<string, unknown> => ({
    pattern: spec.pattern,
    options: spec.options,
    payload: spec.payload,
    durationMs: spec.durationMs,
    warmupMs: spec.warmupMs,
    repeat: spec.repeat,
    timeoutMs: spec.timeoutMs,
    serverDelayMs: spec.serverDelayMs,
    target: spec.target,
    request: spec.request,
    load: sharded ? spec.load.model : spec.load,
  });
  const problems: string[] = [];
  for (const { file, result } of inputs.slice(1)) {
    for (const spec of result.plan.cases) {
      const mine = first.result.plan.cases.find((c) => c.id === spec.id);
      if (!mine) continue;
      const a = fingerprint(mine);
      const b = fingerprint(spec);
      const differ = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      if (differ.length > 0)
        problems.push(`${file}: case ${spec.id} differs from ${first.file} in ${differ.join(', ')}`);
    }
    if (sharded && result.shard?.startAt !== first.result.shard?.startAt)
      problems.push(
        `${file}: --start-at ${result.shard?.startAt ?? '(none)'}, not ${first.result.shard?.startAt ?? '(none)'} like ${first.file}: not shards of one run`,
      );
  }
  return problems;
}

/** `run --shard`: the shards of one run, each once (or no shard results at all). */
function shardProblems(inputs: readonly MergeInput[]): string[] {
  const sharded = inputs.filter((i) => i.result.shard);
  if (sharded.length === 0) return [];
  if (sharded.length < inputs.length)
    return inputs
      .filter((i) => !i.result.shard)
      .map((i) => `${i.file}: not a --shard result (the others are)`);
  const count = sharded[0]!.result.shard!.count;
  const problems = inputs
    .filter((i) => i.result.shard!.count !== count)
    .map((i) => `${i.file}: shard of ${i.result.shard!.count}, not of ${count}`);
  const seen = inputs.map((i) => i.result.shard!.index);
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.includes(i));
  const twice = seen.filter((i, k) => seen.indexOf(i) !== k);
  if (missing.length > 0) problems.push(`missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}`);
  if (twice.length > 0)
    problems.push(`shard(s) given twice: ${twice.map((i) => `${i}/${count}`).join(', ')}`);
  return problems;
}

/** Shard results: the merged case ran the shards' loads together (connections, rate, maxInFlight summed). */
function withSummedLoad(merged: CaseResult, parts: readonly CaseResult[]): CaseResult {
  const loads = parts.map((p) => p.spec.load);
  if (!parts.every((p, i) => i === 0 || p.spec.load.model === loads[0]!.model)) return merged;
  const load = loadDefinition(loads[0]!).combine(loads);
  return { ...merged, spec: { ...merged.spec, load, loadInfo: describeLoad(load, merged.spec.workers) } };
}

const statusRank: readonly CaseStatus[] = ['ok', 'interrupted', 'failed', 'server-crashed'];

function mergeCase(parts: readonly CaseResult[]): CaseResult {
  const status = parts
    .map((p) => p.status)
    .reduce((a, b) => (statusRank.indexOf(b) > statusRank.indexOf(a) ? b : a));
  const error = parts.find((p) => p.error)?.error;
  const reps = Math.min(...parts.map((p) => p.repetitions.length));
  const repetitions = Array.from({ length: reps }, (_, i) => ({
    ...mergeConcurrent(parts.map((p) => p.repetitions[i]!)),
    repetition: i,
  }));
  // The summary of exactly the repetitions kept, merged the way `run` merges its repetitions.
  const summary = mergeMeasurements(repetitions);
  return {
    spec: parts[0]!.spec,
    status,
    ...(error ? { error } : {}),
    repetitions,
    ...(summary ? { summary: { ...summary, repetition: -1 } } : {}),
  };
}

/** Sums measurements taken at the same time by different load generators. */
export function mergeConcurrent(ms: readonly Measurement[]): Measurement {
  const first = ms[0]!;
  const sum = (f: (m: Measurement) => number): number => ms.reduce((a, m) => a + f(m), 0);
  const ops = sum((m) => m.ops);
  const perOp = (total: number): number => (ops > 0 ? total / ops : 0);
  const errorKinds = Object.keys(first.errors).filter((k) => k !== 'total') as (keyof typeof first.errors)[];
  const errors = Object.fromEntries([
    ...errorKinds.map((k) => [k, sum((m) => (m.errors as Partial<Record<string, number>>)[k] ?? 0)]),
    ['total', sum((m) => m.errors.total)],
  ]) as unknown as Measurement['errors'];
  const servers = ms.map((m) => m.server).filter((s) => s !== undefined);
  const helpers = concurrentHelpers(servers, ops);
  const utilization = servers.flatMap((s) => (s.cpuUtilization === undefined ? [] : [s.cpuUtilization]));
  const machines = ms.flatMap((m) => (m.machine ? [m.machine] : []));
  const connections = concurrentConnections(ms);
  const delivery = mergeDelivery(ms.map((m) => m.delivery));
  return {
    repetition: first.repetition,
    endReason: ms.find((m) => m.endReason !== 'completed')?.endReason ?? 'completed',
    durationMs: Math.max(...ms.map((m) => m.durationMs)),
    ops,
    throughput: sum((m) => m.throughput),
    sent: sum((m) => m.sent),
    dropped: sum((m) => m.dropped),
    verified: sum((m) => m.verified),
    latency: mergeLatency(ms.map((m) => m.latency)),
    service: mergeLatency(ms.map((m) => m.service)),
    timeline: mergeTimelines(ms.map((m) => m.timeline)),
    errors,
    errorSamples: Object.assign(
      {},
      ...ms.map((m) => m.errorSamples).reverse(),
    ) as Measurement['errorSamples'],
    payload: {
      requestPerOp: perOp(sum((m) => m.payload.requestPerOp * m.ops)),
      responsePerOp: perOp(sum((m) => m.payload.responsePerOp * m.ops)),
      perOp: perOp(sum((m) => m.payload.perOp * m.ops)),
    },
    wire: {
      read: sum((m) => m.wire.read),
      written: sum((m) => m.wire.written),
      perOp: perOp(sum((m) => m.wire.read + m.wire.written)),
    },
    ...(ms.some((m) => m.drained !== undefined) ? { drained: sum((m) => m.drained ?? 0) } : {}),
    ...concurrentFailedLatency(ms),
    ...concurrentBacklog(ms),
    ...(delivery ? { delivery } : {}),
    ...(connections ? { connections } : {}),
    // Each generator's own machine: the busiest one taints the merged numbers.
    ...(machines.length > 0
      ? { machine: machines.reduce((a, m) => (m.otherCores > a.otherCores ? m : a)) }
      : {}),
    ...(servers.length > 0
      ? {
          // Every generator drove the same server, each reading its CPU over the same window: the
          // server's own figures, not a sum; per op over all operations.
          server: {
            cpuUs: Math.max(...servers.map((s) => s.cpuUs)),
            cpuUsPerOp: perOp(Math.max(...servers.map((s) => s.cpuUs))),
            ...(utilization.length > 0 ? { cpuUtilization: Math.max(...utilization) } : {}),
            maxRssBytes: Math.max(...servers.map((s) => s.maxRssBytes)),
            ...(helpers ? { helpers } : {}),
            ...concurrentUnmeasured(servers),
          },
        }
      : {}),
    driver: {
      workers: sum((m) => m.driver.workers),
      cpuUs: sum((m) => m.driver.cpuUs),
      cpuUsPerOp: perOp(sum((m) => m.driver.cpuUs)),
      cpuUtilization: Math.max(...ms.map((m) => m.driver.cpuUtilization)),
      eventLoopDelay: {
        p50: Math.max(...ms.map((m) => m.driver.eventLoopDelay.p50)),
        p99: Math.max(...ms.map((m) => m.driver.eventLoopDelay.p99)),
        max: Math.max(...ms.map((m) => m.driver.eventLoopDelay.max)),
      },
      eventLoopUtilization: Math.max(...ms.map((m) => m.driver.eventLoopUtilization)),
      sendLagP99: Math.max(...ms.map((m) => m.driver.sendLagP99)),
      ...(ms.some((m) => m.driver.pacingUs !== undefined)
        ? { pacingUs: sum((m) => m.driver.pacingUs ?? 0) }
        : {}),
    },
    // Each generator's verdict was decided on its own window; together, the most binding one.
    verdict: mergeVerdicts(
      ms.map((m) => m.verdict),
      ms.map((_, i) => `generator #${i + 1}`),
    )!,
  };
}

/** Exact when every part carries its encoded histogram; else the summaries are combined as bounds. */
function mergeLatency(parts: readonly LatencySummary[]): LatencySummary {
  const withData = parts.filter((p) => p.count > 0);
  if (withData.length === 0) return parts[0]!;
  if (withData.every((p) => p.encoded !== ''))
    return summarizeHistogram(mergeEncoded(withData.map((p) => p.encoded)));
  const count = withData.reduce((a, p) => a + p.count, 0);
  const worst = (k: 'p50' | 'p90' | 'p99' | 'p999'): number => Math.max(...withData.map((p) => p[k]));
  return {
    count,
    min: Math.min(...withData.map((p) => p.min)),
    mean: withData.reduce((a, p) => a + p.mean * p.count, 0) / count,
    p50: worst('p50'),
    p90: worst('p90'),
    p99: worst('p99'),
    p999: worst('p999'),
    max: Math.max(...withData.map((p) => p.max)),
    encoded: '',
  };
}

function mergeDelivery(parts: readonly (DeliveryMetrics | undefined)[]): DeliveryMetrics | undefined {
  const all = parts.filter((p): p is DeliveryMetrics => p !== undefined);
  if (all.length === 0) return undefined;
  const sum = (f: (d: DeliveryMetrics) => number): number => all.reduce((a, d) => a + f(d), 0);
  const delivered = sum((d) => d.delivered);
  return {
    subscribers: sum((d) => d.subscribers),
    perMessage: all[0]!.perMessage,
    published: sum((d) => d.published),
    expected: sum((d) => d.expected),
    delivered,
    lost: sum((d) => d.lost),
    duplicated: sum((d) => d.duplicated),
    outOfOrder: sum((d) => d.outOfOrder),
    mismatched: sum((d) => d.mismatched),
    throughput: sum((d) => d.throughput),
    latency: mergeLatency(all.map((d) => d.latency)),
    skew: mergeLatency(all.map((d) => d.skew)),
    jitter: mergeLatency(all.map((d) => d.jitter)),
    subscribe: mergeLatency(all.map((d) => d.subscribe)),
    bytesPerDelivery: delivered > 0 ? sum((d) => d.bytesPerDelivery * d.delivered) / delivered : 0,
    ...optionalCounts(all, ['undrained', 'late', 'unackedDelivered']),
    ...(all.some((d) => d.requests)
      ? {
          requests: {
            total: sum((d) => d.requests?.total ?? 0),
            empty: sum((d) => d.requests?.empty ?? 0),
          },
        }
      : {}),
    ...(all.some((d) => d.reconnect)
      ? { reconnect: mergeLatency(all.flatMap((d) => (d.reconnect ? [d.reconnect] : []))) }
      : {}),
  };
}

/**
 * Helper processes (proxies, hops, brokers) as every generator saw them: the same processes over the
 * same window, so per role the largest reading, not a sum; per op over all generators' operations.
 */
function concurrentHelpers(servers: readonly ServerMetrics[], ops: number): HelperMetrics[] | undefined {
  if (!servers.some((s) => s.helpers)) return undefined;
  const byRole = new Map<string, { cpuUs: number; maxRssBytes: number }>();
  for (const h of servers.flatMap((s) => s.helpers ?? [])) {
    const m = byRole.get(h.role) ?? { cpuUs: 0, maxRssBytes: 0 };
    byRole.set(h.role, {
      cpuUs: Math.max(m.cpuUs, h.cpuUs),
      maxRssBytes: Math.max(m.maxRssBytes, h.maxRssBytes),
    });
  }
  return [...byRole].map(([role, m]) => ({ role, ...m, cpuUsPerOp: ops > 0 ? m.cpuUs / ops : 0 }));
}

/**
 * Connection-cost measurements of generators that held connections to one server at the same time:
 * counts summed; the server's memory and descriptors are its own (lowest before, highest after),
 * per connection over every generator's connections; opening ran in parallel (the longest).
 */
function concurrentConnections(ms: readonly Measurement[]): ConnectionCost | undefined {
  const costs = ms.flatMap((m) => (m.connections ? [m.connections] : []));
  const first = costs[0];
  if (!first) return undefined;
  const total = (f: (c: ConnectionCost) => number): number => costs.reduce((a, c) => a + f(c), 0);
  const opened = total((c) => c.opened);
  const per = (after: number, before: number): number => (opened > 0 ? (after - before) / opened : 0);
  const servers = costs.flatMap((c) => (c.server ? [c.server] : []));
  const failure = costs.find((c) => c.failure)?.failure;
  const notes = [...new Set(costs.flatMap((c) => (c.note ? [c.note] : [])))];
  const server = (() => {
    if (servers.length === 0) return undefined;
    const rssBeforeBytes = Math.min(...servers.map((s) => s.rssBeforeBytes));
    const rssAfterBytes = Math.max(...servers.map((s) => s.rssAfterBytes));
    const fdsBefore = Math.min(...servers.map((s) => s.fdsBefore));
    const fdsAfter = Math.max(...servers.map((s) => s.fdsAfter));
    return {
      rssBeforeBytes,
      rssAfterBytes,
      rssPerConnectionBytes: per(rssAfterBytes, rssBeforeBytes),
      fdsBefore,
      fdsAfter,
      fdsPerConnection: per(fdsAfter, fdsBefore),
    };
  })();
  return {
    requested: total((c) => c.requested),
    opened,
    failed: total((c) => c.failed),
    ...(failure ? { failure } : {}),
    subscriptions: first.subscriptions,
    openMs: Math.max(...costs.map((c) => c.openMs)),
    concurrency: total((c) => c.concurrency),
    heldOpen: total((c) => c.heldOpen),
    ...(server ? { server } : {}),
    driverRssPerConnectionBytes:
      opened > 0 ? total((c) => c.driverRssPerConnectionBytes * c.opened) / opened : 0,
    fdLimit: Math.min(...costs.map((c) => c.fdLimit)),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

/** Failed operations' latency of every generator, merged like the successful ones'. */
function concurrentFailedLatency(ms: readonly Measurement[]): Pick<Measurement, 'failedLatency'> {
  const parts = ms.flatMap((m) => (m.failedLatency ? [m.failedLatency] : []));
  return parts.length === 0 ? {} : { failedLatency: mergeLatency(parts) };
}

/** Backlogs of side-by-side generators: counts summed, waits the worst. */
function concurrentBacklog(ms: readonly Measurement[]): Pick<Measurement, 'backlog'> {
  const parts = ms.flatMap((m) => (m.backlog ? [m.backlog] : []));
  if (parts.length === 0) return {};
  return {
    backlog: {
      queued: parts.reduce((a, b) => a + b.queued, 0),
      waitP99: Math.max(...parts.map((b) => b.waitP99)),
      waitMax: Math.max(...parts.map((b) => b.waitMax)),
    },
  };
}

/** Server-side processes no generator could measure (a broker given by URL), once per role. */
function concurrentUnmeasured(servers: readonly ServerMetrics[]): Pick<ServerMetrics, 'unmeasured'> {
  const all = servers.flatMap((s) => s.unmeasured ?? []);
  return all.length === 0 ? {} : { unmeasured: uniqueByRole(all) };
}

/** Optional delivery counts, summed over the parts that have them; absent when none has. */
function optionalCounts<K extends 'undrained' | 'late' | 'unackedDelivered'>(
  all: readonly DeliveryMetrics[],
  keys: readonly K[],
): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const k of keys)
    if (all.some((d) => d[k] !== undefined)) out[k] = all.reduce<number>((a, d) => a + (d[k] ?? 0), 0);
  return out;
}
