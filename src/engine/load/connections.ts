import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { makeRecord, withSeq } from '../../message.js';
import { collectGarbage } from '../../metrics/gc.js';
import { createHistogram, recordMicros, summarizeHistogram } from '../../metrics/histogram.js';
import { WireMeter } from '../../metrics/wire.js';
import { loadPattern } from '../../patterns/registry.js';
import { isPush, type PatternClient, type Subscription } from '../../patterns/types.js';
import type { ConnectionCost, WindowFigures } from '../../result/types.js';
import type { CaseSpec } from '../../scenario/types.js';
import { openFilesLimit } from '../../proc/placement.js';
import { raiseOwnNofile } from '../../proc/spawn.js';
import { formatInteger } from '../../units.js';
import type { ServerProcess } from '../server-host.js';
import { baseFields } from './closed.js';
import { sumShares } from './open.js';
import { sourceAddressCount, sourceBinding } from '../sources.js';
import type { LoadBase, LoadDefinition } from './types.js';

/** Connections opened at once while ramping up. */
const concurrency = 100;
/** File descriptors kept free for everything else the driver needs. */
const fdMargin = 200;
/** Pause after opening, so the server has finished allocating for the new connections. */
const settleMs = 300;

/**
 * The 'connections' load model: opens N idle connections (request/response patterns, each proven
 * open by one round trip) or subscriptions (push/queue patterns), holds them for the case's
 * duration, and reports what that cost the server: resident memory and file descriptors per
 * connection, and how long opening took. Nothing is sent while they are held.
 */
export async function holdConnections(
  spec: CaseSpec,
  repetition: number,
  url: string,
  server: ServerProcess | undefined,
  signal: AbortSignal,
): Promise<WindowFigures> {
  const pattern = await loadPattern(spec.pattern);
  const options = pattern.options.parse(spec.options ?? {});
  const subscriptions = isPush(pattern, options);
  const requested = spec.load.connections;
  // One descriptor per connection on each side: the driver raises its own limit when it may, and the
  // runner started the server with as many as could be had (src/proc); the lower of the two binds.
  const own = raiseOwnNofile(requested + fdMargin);
  // Server processes (server.processes) each hold their share, on their own port.
  const urls = server && server.urls.length > 1 ? server.urls : [url];
  const serverLimit = server ? openFilesLimit(server.pid)?.soft : undefined;
  const fdLimit = Math.min(own.limit, serverLimit ?? own.limit);
  const possible = Math.max(
    1,
    Math.min(own.limit - fdMargin, ((serverLimit ?? own.limit) - fdMargin) * urls.length),
  );
  const count = Math.min(requested, possible);
  const notes: string[] = [];
  if (count < requested) {
    const hard = openFilesLimit('self')?.hard ?? fdLimit;
    notes.push(
      `opened ${formatInteger(count)} of ${formatInteger(requested)}: RLIMIT_NOFILE (open files per process) is ` +
        `${formatInteger(fdLimit)} here` +
        (own.refused
          ? `, and raising it above the hard limit (${formatInteger(hard)}) was refused (prlimit needs CAP_SYS_RESOURCE, e.g. root outside a container)`
          : '') +
        `; each connection takes a descriptor in the driver and one in the server, so one process on each side stops near ${formatInteger(possible)}`,
    );
  }
  const sources = sourceAddressCount(new URL(url), count);
  if (sources > 1)
    notes.push(
      `connections spread over ${sources} loopback source addresses (127.0.0.1…127.0.0.${sources}): one has ~28k source ports`,
    );
  const record = withSeq(makeRecord(spec.payload.size, spec.payload.shape), 0);
  const wire = new WireMeter();
  const times = createHistogram();
  const open: (PatternClient | Subscription)[] = [];
  const payload = { add: () => undefined };
  let opened = 0;
  let failed = 0;
  let failure: string | undefined;
  // Memory is read after a full collection on both sides, so it counts what the connections keep.
  await server?.collectGarbage();
  collectGarbage();
  const before = server?.footprint();
  const driverRssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const serverCpuBefore = await server?.usage();
  wire.start();

  const openOne = async (index: number): Promise<void> => {
    const started = performance.now();
    try {
      if (subscriptions && pattern.subscribe) {
        open.push(
          await pattern.subscribe({
            url: new URL(urls[index % urls.length] as string),
            options,
            index,
            ...sourceBinding(new URL(url), index),
            timeoutMs: spec.timeoutMs,
            deliver: () => undefined,
          }),
        );
      } else {
        const client = await pattern.connect({
          url: new URL(urls[index % urls.length] as string),
          options,
          index,
          ...sourceBinding(new URL(url), index),
          inFlight: 1,
          timeoutMs: spec.timeoutMs,
          payload,
          ...(spec.request ? { request: spec.request } : {}),
        });
        open.push(client);
        await client.send(record, false);
      }
      recordMicros(times, (performance.now() - started) * 1000);
      opened++;
    } catch (err) {
      failed++;
      failure ??= err instanceof Error ? err.message : String(err);
    }
  };

  // The driver's event loop over opening and holding, measured like a load run's (not left at zero).
  const eld = monitorEventLoopDelay({ resolution: eldResolutionMs });
  eld.enable();
  const elu = performance.eventLoopUtilization();
  const openStarted = performance.now();
  for (let next = 0; next < count && !signal.aborted;) {
    const batch: Promise<void>[] = [];
    for (let k = 0; k < concurrency && next < count; k++) batch.push(openOne(next++));
    await Promise.all(batch);
  }
  const openMs = performance.now() - openStarted;
  // CPU per connection is that of opening them (before the collections below).
  const cpuUs = cpuTotal(process.cpuUsage(cpuBefore));
  const serverCpuAfter = await server?.usage();
  await sleep(settleMs, signal);
  await server?.collectGarbage();
  collectGarbage();
  const afterOpen = server?.footprint();
  const driverRssAfter = process.memoryUsage().rss;
  const holdStarted = performance.now();
  await sleep(spec.durationMs, signal);
  const heldMs = performance.now() - holdStarted;
  eld.disable();
  const eventLoopUtilization = performance.eventLoopUtilization(elu).utilization;
  await server?.collectGarbage();
  const afterHold = server?.footprint();
  const wireBytes = wire.read();
  await Promise.allSettled(open.map((c) => c.close()));
  wire.dispose();

  const dropped = afterOpen && afterHold ? Math.max(0, afterOpen.fds - afterHold.fds) : 0;
  if (dropped > 0) notes.push(`the server closed about ${dropped} idle connections during the hold`);
  // RSS can shrink while connections open (the collector hands earlier garbage back to the OS): a
  // growth below zero is noise about as large as the connections' cost, read as 0, never negative.
  const per = (a: number, b: number): number => (opened === 0 ? 0 : Math.max(0, a - b) / opened);
  const cost: ConnectionCost = {
    requested,
    opened,
    failed,
    ...(failure ? { failure } : {}),
    subscriptions,
    openMs,
    concurrency,
    heldOpen: Math.max(0, opened - dropped),
    ...(before && afterHold
      ? {
          server: {
            rssBeforeBytes: before.rssBytes,
            rssAfterBytes: afterHold.rssBytes,
            rssPerConnectionBytes: per(afterHold.rssBytes, before.rssBytes),
            fdsBefore: before.fds,
            fdsAfter: afterHold.fds,
            fdsPerConnection: per(afterHold.fds, before.fds),
          },
        }
      : {}),
    driverRssPerConnectionBytes: per(driverRssAfter, driverRssBefore),
    fdLimit,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
  const latency = summarizeHistogram(times);
  const serverCpu =
    serverCpuBefore && serverCpuAfter ? Math.max(0, serverCpuAfter.cpuUs - serverCpuBefore.cpuUs) : 0;
  return {
    repetition,
    endReason: signal.aborted
      ? signal.reason === 'server-crashed'
        ? 'server-crashed'
        : 'interrupted'
      : 'completed',
    durationMs: heldMs,
    ops: opened,
    throughput: openMs > 0 ? opened / (openMs / 1000) : 0,
    sent: count,
    dropped: 0,
    verified: 0,
    latency,
    service: latency,
    timeline: [],
    errors: { timeout: 0, connection: failed, protocol: 0, mismatch: 0, total: failed },
    errorSamples: failure ? { connection: failure } : {},
    payload: { requestPerOp: 0, responsePerOp: 0, perOp: 0 },
    wire: {
      read: wireBytes.read,
      written: wireBytes.written,
      perOp: opened === 0 ? 0 : (wireBytes.read + wireBytes.written) / opened,
    },
    ...(server && serverCpuAfter
      ? {
          server: {
            cpuUs: serverCpu,
            cpuUsPerOp: opened === 0 ? 0 : serverCpu / opened,
            maxRssBytes: serverCpuAfter.maxRssBytes,
          },
        }
      : {}),
    driver: {
      workers: 1,
      ...(sources > 1 ? { sourceAddresses: sources } : {}),
      cpuUs,
      cpuUsPerOp: opened === 0 ? 0 : cpuUs / opened,
      // While opening (the CPU counted is that of opening them).
      cpuUtilization: openMs > 0 ? cpuUs / (openMs * 1000) : 0,
      eventLoopDelay: {
        p50: delayUs(eld.percentile(50)),
        p99: delayUs(eld.percentile(99)),
        max: delayUs(eld.max),
      },
      eventLoopUtilization,
      sendLagP99: 0,
    },

    connections: cost,
  };
}

const eldResolutionMs = 10;

/** monitorEventLoopDelay records whole timer intervals: the delay is what exceeds the resolution. */
function delayUs(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1000 - eldResolutionMs * 1000)) : 0;
}

function cpuTotal(u: NodeJS.CpuUsage): number {
  return u.user + u.system;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Connection cost. Its spec's `inFlight` is unused; present so every model has it. It issues no
 * operations: `hold` takes the drivers' place in the runner.
 */
export interface ConnectionsSpec extends LoadBase {
  readonly model: 'connections';
}

export const connections = {
  name: 'connections',
  summary:
    "open 'connections' idle connections (or subscriptions), hold them for the duration, " +
    'report server memory and file descriptors per connection',
  shape: {},
  resolve: (_fields, base): ConnectionsSpec => ({ model: 'connections', ...baseFields(base) }),
  describe: (s) => ({ label: `hold ${s.connections} conns`, schedule: 'hold' }),
  idParts: () => ({ model: 'connections' }),
  share: (s, n) => ({ load: { ...s, connections: n } }),
  combine: (parts) => sumShares(parts, ['connections']),
  fromIntendedTime: false,
  maxOutstanding: (s) => s.connections,
  limits: () => ({ holds: true }),
  hold: holdConnections,
} satisfies LoadDefinition<ConnectionsSpec>;
