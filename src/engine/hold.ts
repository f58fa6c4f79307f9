/**
 * Holding connections (the `connections` load model's measurement, run by the runner in place of
 * the drivers): opens N idle connections (request/response patterns, each proven open by one round
 * trip) or subscriptions (push/queue patterns), holds them for the case's duration, and reports what
 * that cost the server. The engine opens the pattern clients (held.ts, holders.ts); the load model
 * only says the case holds (load/connections.ts).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { collectGarbage } from '../metrics/gc.js';
import { mergeEncoded, summarizeHistogram } from '../metrics/histogram.js';
import { casePushes, loadPattern } from '../patterns/registry.js';
import { noErrors, type ConnectionCost, type WindowFigures } from '../result/types.js';
import type { CaseSpec } from '../plan/types.js';
import { openFilesLimit } from '../proc/placement.js';
import { obtainableNofile, raiseOwnNofile } from '../proc/spawn.js';
import { formatInteger } from '../units.js';
import type { ServerProcess } from './server-host.js';
import { sourceAddressCount } from './sources.js';
import { startHolders } from './holders.js';
import { driverProcesses } from './process-count.js';
import { holdConcurrency, openShare, type BroadcastShare, type HoldShare, type OpenedShare } from './held.js';
import { makeRecord, withSeq } from '../message.js';

/** File descriptors kept free for everything else the driver needs. */
const fdMargin = 200;
/** Pause after opening, so the server has finished allocating for the new connections. */
const settleMs = 300;

/**
 * The 'connections' load model: opens N idle connections (request/response patterns, each proven
 * open by one round trip) or subscriptions (push/queue patterns), holds them for the case's
 * duration, and reports what that cost the server: resident memory and file descriptors per
 * connection, and how long opening took. Nothing is sent while they are held. With driver
 * processes (`processes:`) each child holds its share (holders.ts); with server processes each
 * connection goes to server i mod N and the server's figures are summed over them.
 */
export async function holdConnections(
  spec: CaseSpec,
  repetition: number,
  url: string,
  server: ServerProcess | undefined,
  signal: AbortSignal,
): Promise<WindowFigures> {
  const subscriptions = await casePushes(spec);
  const requested = spec.load.connections;
  const processes = driverProcesses(spec.processes, spec.load);
  // One descriptor per connection on each side: the driver raises its own limit when it may (each
  // driver process gets its share's), and the runner started the server processes with as many as
  // could be had (src/proc); the lower of the two sides binds.
  const own =
    processes > 1
      ? { limit: obtainableNofile(Math.ceil(requested / processes) + fdMargin), refused: false }
      : raiseOwnNofile(requested + fdMargin);
  const urls = server && server.urls.length > 1 ? server.urls : [url];
  const serverLimit = server ? openFilesLimit(server.pid)?.soft : undefined;
  const fdLimit = Math.min(own.limit, serverLimit ?? own.limit);
  const possible = Math.max(
    1,
    Math.min((own.limit - fdMargin) * processes, ((serverLimit ?? own.limit) - fdMargin) * urls.length),
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
        `; each connection takes a descriptor in a driver process and one in a server process: ${processes} driver and ${urls.length} server process(es) stop near ${formatInteger(possible)} (processes: auto, server.processes)`,
    );
  }
  const sources = sourceAddressCount(new URL(url), count);
  if (sources > 1)
    notes.push(
      `connections spread over ${sources} loopback source addresses (127.0.0.1…127.0.0.${sources}): one has ~28k source ports`,
    );
  if (processes > 1) notes.push(`held by ${processes} driver processes`);
  if (urls.length > 1) notes.push(`served by ${urls.length} server processes, figures summed`);
  const shares: HoldShare[] = [];
  for (let i = 0, offset = 0; i < processes; i++) {
    const n = Math.floor(count / processes) + (i < count % processes ? 1 : 0);
    if (n > 0) shares.push({ spec, urls, offset, count: n });
    offset += n;
  }
  const holders = processes > 1 ? await startHolders(shares) : undefined;
  try {
    // Memory is read after a full collection on both sides, so it counts what the connections keep.
    await server?.collectGarbage();
    collectGarbage();
    const before = server?.footprint();
    const driverRssBefore = (holders?.rssBeforeBytes ?? 0) + process.memoryUsage().rss;
    const serverCpuBefore = await server?.usage();

    // The driver's event loop over opening and holding, measured like a load run's (not left at zero).
    const eld = monitorEventLoopDelay({ resolution: eldResolutionMs });
    eld.enable();
    const elu = performance.eventLoopUtilization();
    let opened: OpenedShare[];
    let release: () => Promise<void>;
    let collect: (publishedAtMs: number) => Promise<BroadcastShare[]>;
    let driverRssAfterChildren = 0;
    const openStarted = performance.now();
    if (holders) {
      const got = await holders.open();
      opened = got.shares;
      driverRssAfterChildren = got.rssAfterBytes;
      release = () => holders.stop();
      collect = (at) => holders.collect(at);
    } else {
      const { close, collect: read, ...one } = await openShare(shares[0] as HoldShare, signal);
      opened = [one];
      release = close;
      collect = (at) => Promise.resolve([read(at)]);
    }
    // Opening time is the wall time until every process had opened its share.
    const openMs = performance.now() - openStarted;
    const serverCpuAfter = await server?.usage();
    await sleep(settleMs, signal);
    await server?.collectGarbage();
    collectGarbage();
    const afterOpen = server?.footprint();
    const driverRssAfter = driverRssAfterChildren + process.memoryUsage().rss;
    const holdStarted = performance.now();
    await sleep(spec.durationMs, signal);
    const heldMs = performance.now() - holdStarted;
    eld.disable();
    const eventLoopUtilization = performance.eventLoopUtilization(elu).utilization;
    await server?.collectGarbage();
    const afterHold = server?.footprint();
    const openedCount = opened.reduce((a, s) => a + s.opened, 0);
    const broadcast =
      subscriptions && openedCount > 0 && !signal.aborted
        ? await broadcastOnce(spec, urls, openedCount, collect, signal)
        : undefined;
    await release();

    const failed = opened.reduce((a, s) => a + s.failed, 0);
    const failure = opened.find((s) => s.failure !== undefined)?.failure;
    const cpuUs = opened.reduce((a, s) => a + s.cpuUs, 0);
    const wireBytes = {
      read: opened.reduce((a, s) => a + s.wire.read, 0),
      written: opened.reduce((a, s) => a + s.wire.written, 0),
    };
    const dropped = afterOpen && afterHold ? Math.max(0, afterOpen.fds - afterHold.fds) : 0;
    if (dropped > 0) notes.push(`the server closed about ${dropped} idle connections during the hold`);
    // RSS can shrink while connections open (the collector hands earlier garbage back to the OS): a
    // growth below zero is noise about as large as the connections' cost, read as 0, never negative.
    const per = (a: number, b: number): number => (openedCount === 0 ? 0 : Math.max(0, a - b) / openedCount);
    const cost: ConnectionCost = {
      ...(broadcast ? { broadcast } : {}),
      requested,
      opened: openedCount,
      failed,
      ...(failure ? { failure } : {}),
      subscriptions,
      openMs,
      concurrency: holdConcurrency * opened.length,
      heldOpen: Math.max(0, openedCount - dropped),
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
    const latency = summarizeHistogram(mergeEncoded(opened.map((s) => s.times)));
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
      ops: openedCount,
      throughput: openMs > 0 ? openedCount / (openMs / 1000) : 0,
      sent: count,
      dropped: 0,
      verified: 0,
      latency,
      service: latency,
      timeline: [],
      errors: { ...noErrors(), connection: failed, total: failed },
      errorSamples: failure ? { connection: failure } : {},
      payload: { requestPerOp: 0, responsePerOp: 0, perOp: 0 },
      wire: {
        read: wireBytes.read,
        written: wireBytes.written,
        perOp: openedCount === 0 ? 0 : (wireBytes.read + wireBytes.written) / openedCount,
      },
      ...(server && serverCpuAfter
        ? {
            server: {
              cpuUs: serverCpu,
              cpuUsPerOp: openedCount === 0 ? 0 : serverCpu / openedCount,
              maxRssBytes: serverCpuAfter.maxRssBytes,
            },
          }
        : {}),
      driver: {
        workers: 1,
        ...(processes > 1 ? { processes } : {}),
        ...(sources > 1 ? { sourceAddresses: sources } : {}),
        cpuUs,
        cpuUsPerOp: openedCount === 0 ? 0 : cpuUs / openedCount,
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
  } finally {
    await holders?.stop();
  }
}

/** How long a broadcast's receipts are waited for, at most, ms. */
const broadcastWaitMs = 10_000;

/**
 * Publishes one message to every server process (a publisher connection each) and waits until
 * every subscriber has received it, or `broadcastWaitMs`: the fan-out's latency from the publish
 * to each receipt and to the last one.
 */
async function broadcastOnce(
  spec: CaseSpec,
  urls: readonly string[],
  subscribers: number,
  collect: (publishedAtMs: number) => Promise<BroadcastShare[]>,
  signal: AbortSignal,
): Promise<NonNullable<ConnectionCost['broadcast']>> {
  const pattern = await loadPattern(spec.pattern);
  const options = pattern.options.parse(spec.options ?? {});
  const payload = { add: () => undefined };
  const publishers = await Promise.all(
    urls.map((u, index) =>
      pattern.connect({ url: new URL(u), options, index, inFlight: 1, timeoutMs: spec.timeoutMs, payload }),
    ),
  );
  try {
    const record = withSeq(makeRecord(spec.payload.size, spec.payload.shape), 1);
    const publishedAtMs = performance.timeOrigin + performance.now();
    await Promise.all(publishers.map((p) => p.send(record, false)));
    const started = performance.now();
    let shares = await collect(publishedAtMs);
    while (
      shares.reduce((a, s) => a + s.received, 0) < subscribers &&
      performance.now() - started < broadcastWaitMs &&
      !signal.aborted
    ) {
      await sleep(100, signal);
      shares = await collect(publishedAtMs);
    }
    const latency = summarizeHistogram(mergeEncoded(shares.map((s) => s.latency).filter((e) => e !== '')));
    return {
      subscribers,
      received: shares.reduce((a, s) => a + s.received, 0),
      p50Us: latency.p50,
      p99Us: latency.p99,
      lastUs: Math.max(0, ...shares.map((s) => s.lastUs)),
      waitedMs: performance.now() - started,
    };
  } finally {
    await Promise.allSettled(publishers.map((p) => p.close()));
  }
}

const eldResolutionMs = 10;

/** monitorEventLoopDelay records whole timer intervals: the delay is what exceeds the resolution. */
function delayUs(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1000 - eldResolutionMs * 1000)) : 0;
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
