import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { CommbenchError } from '../errors.js';
import { makeRecord, withSeq, type MessageShape } from '../message.js';
import { WireMeter } from '../metrics/wire.js';
import { loadPattern } from '../patterns/registry.js';
import { OpError, type PatternClient } from '../patterns/types.js';
import type { LoadSpec } from '../scenario/types.js';
import { realClock, type Clock } from './clock.js';
import { inFlightPerConnection, loadModelFor } from './load/index.js';
import { Recorder, type RecorderSnapshot } from './recorder.js';

/** What one driver (the main thread, or one worker thread) runs: its share of a case's load. */
export interface DriverSpec {
  readonly pattern: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly url: string;
  /** This driver's share (connections and rate already divided between workers). */
  readonly load: LoadSpec;
  readonly payload: { readonly size: number; readonly shape: MessageShape };
  readonly timeoutMs: number;
  readonly verifyEvery: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Index of this driver's first connection among all drivers' (for client naming). */
  readonly connectionOffset: number;
}

export type DriverEndReason = 'completed' | 'interrupted' | 'server-crashed' | 'failed';

/** What a driver measured; plain data (crosses worker boundaries), merged by the runner. */
export interface DriverReport extends RecorderSnapshot {
  readonly endReason: DriverEndReason;
  /** Length of the measured window actually run, ms (shorter than asked when interrupted). */
  readonly measuredMs: number;
  /** Serialized body bytes over every operation this driver performed (warm-up included). */
  readonly payload: { readonly request: number; readonly response: number; readonly ops: number };
  readonly wire: { readonly read: number; readonly written: number };
  /** Event-loop delay of this thread during the window, µs. */
  readonly eventLoopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Share of the window this thread's event loop was busy (0..1). */
  readonly eventLoopUtilization: number;
}

export interface Progress {
  readonly phase: 'warmup' | 'measure';
  /** ms since load start. */
  readonly elapsedMs: number;
  /** Operations finished (ok or not) since the previous tick. */
  readonly ops: number;
  /** ops per second over the time since the previous tick. */
  readonly opsPerSec: number;
  /** Failed operations since the previous tick. */
  readonly errors: number;
  /** p99 of the current second, µs. */
  readonly p99: number;
}

export interface RunHooks {
  /** Abort: the reason (a DriverEndReason) ends the window early; partial data is kept. */
  readonly signal?: AbortSignal;
  /** About once per second. */
  readonly onTick?: (progress: Progress) => void;
}

/** A driver with its connections open, ready to run. */
export interface Driver {
  /** Runs warm-up then the measured window, starting at `startAt` (this thread's performance.now()). */
  run(startAt: number, hooks?: RunHooks): Promise<DriverReport>;
  close(): Promise<void>;
}

const connectionErrorBackoffMs = 50;
/** Sequence number of the probe operation (load operations count up from 0). */
const probeSeq = 0xffffffff;
const eldResolutionMs = 10;

/** Opens every connection of `spec` (not measured). Rejects with E_TARGET_UNREACHABLE when none can be made. */
export async function connectDriver(spec: DriverSpec, clock: Clock = realClock): Promise<Driver> {
  const pattern = await loadPattern(spec.pattern);
  const wire = new WireMeter();
  const payload = { request: 0, response: 0, ops: 0 };
  const meter = {
    add(requestBytes: number, responseBytes: number) {
      payload.request += requestBytes;
      payload.response += responseBytes;
      payload.ops++;
    },
  };
  const url = new URL(spec.url);
  const inFlight = inFlightPerConnection(spec.load);
  const options = pattern.options.parse(spec.options ?? {});
  const attempts = await Promise.allSettled(
    Array.from({ length: spec.load.connections }, (_, i) =>
      pattern.connect({
        url,
        options,
        index: spec.connectionOffset + i,
        inFlight,
        timeoutMs: spec.timeoutMs,
        payload: meter,
      }),
    ),
  );
  const clients = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const failure = attempts.find((a): a is PromiseRejectedResult => a.status === 'rejected');
  if (failure) {
    await Promise.allSettled(clients.map((c) => c.close()));
    wire.dispose();
    const reason = failure.reason instanceof Error ? failure.reason.message : String(failure.reason);
    throw new CommbenchError(
      'E_TARGET_UNREACHABLE',
      `cannot connect ${spec.pattern} client to ${spec.url}: ${reason}`,
      {
        hint: 'check that the server is running and the URL is right (for --target, the scheme, host and port)',
        cause: failure.reason,
      },
    );
  }
  // One verified round trip before any load: a lazy client (undici connects on first request)
  // would otherwise turn an unreachable server into a whole run of connection errors.
  try {
    await clients[0]?.send(withSeq(makeRecord(spec.payload.size, spec.payload.shape), probeSeq), true);
  } catch (err) {
    await Promise.allSettled(clients.map((c) => c.close()));
    wire.dispose();
    const reason = err instanceof Error ? err.message : String(err);
    const kind = err instanceof OpError ? err.kind : 'protocol';
    throw kind === 'connection'
      ? new CommbenchError(
          'E_TARGET_UNREACHABLE',
          `cannot reach ${spec.pattern} server at ${spec.url}: ${reason}`,
          {
            hint: 'check that the server is running and the URL is right (for --target, the scheme, host and port)',
            cause: err,
          },
        )
      : new CommbenchError(
          'E_RUN_FAILED',
          `${spec.pattern} server at ${spec.url} did not echo a first message: ${reason}`,
          {
            hint: `is it a ${spec.pattern} echo server? \`commbench serve ${spec.pattern}\` runs one`,
            cause: err,
          },
        );
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(clients.map((c) => c.close()));
    wire.dispose();
  };
  return {
    close,
    run: (startAt, hooks = {}) => runLoad(spec, clients, { clock, wire, payload, close }, startAt, hooks),
  };
}

async function runLoad(
  spec: DriverSpec,
  clients: readonly PatternClient[],
  parts: { clock: Clock; wire: WireMeter; payload: DriverReport['payload']; close: () => Promise<void> },
  startAt: number,
  hooks: RunHooks,
): Promise<DriverReport> {
  const { clock, wire } = parts;
  const windowStart = startAt + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  const recorder = new Recorder(windowStart, windowEnd, spec.load.model === 'rate');
  const base = makeRecord(spec.payload.size, spec.payload.shape);
  const seqs = new Array<number>(clients.length).fill(0);
  const verifyEvery = Math.max(1, spec.verifyEvery);
  const stop = new AbortController();
  const signal = hooks.signal;
  let endReason: DriverEndReason = 'completed';
  let stoppedAt = Number.POSITIVE_INFINITY;
  const onAbort = (): void => {
    const reason: unknown = signal?.reason;
    endReason = reason === 'server-crashed' || reason === 'failed' ? reason : 'interrupted';
    stoppedAt = clock.now();
    recorder.frozen = true;
    stop.abort();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const perform = async (connection: number, intended: number): Promise<void> => {
    const client = clients[connection] as PatternClient;
    const seq = seqs[connection] as number;
    seqs[connection] = (seq + 1) >>> 0;
    const verify = seq % verifyEvery === 0;
    recorder.started(intended, verify);
    const sentAt = clock.now();
    try {
      await client.send(withSeq(base, seq), verify);
      recorder.ok(intended, sentAt, clock.now());
    } catch (err) {
      const kind = recorder.failed(intended, clock.now(), err);
      if (kind === 'connection' && !stop.signal.aborted)
        await clock.sleepUntil(clock.now() + connectionErrorBackoffMs);
    }
  };

  const eld = monitorEventLoopDelay({ resolution: eldResolutionMs });
  let elu = performance.eventLoopUtilization();
  let eluValue = 0;
  let windowOpened = false;
  let windowClosed = false;
  const openWindow = (): void => {
    windowOpened = true;
    wire.start();
    eld.enable();
    elu = performance.eventLoopUtilization();
  };
  const closeWindow = (): void => {
    if (!windowOpened || windowClosed) return;
    windowClosed = true;
    eld.disable();
    eluValue = performance.eventLoopUtilization(elu).utilization;
  };
  const windowTimer = setTimeout(openWindow, Math.max(0, windowStart - clock.now()));
  const endTimer = setTimeout(closeWindow, Math.max(0, windowEnd - clock.now()));
  let lastTick = startAt;
  const ticker = hooks.onTick
    ? setInterval(() => {
        const now = clock.now();
        hooks.onTick?.({
          phase: now < windowStart ? 'warmup' : 'measure',
          elapsedMs: now - startAt,
          ops: recorder.tickOps,
          opsPerSec: now > lastTick ? (recorder.tickOps * 1000) / (now - lastTick) : 0,
          errors: recorder.tickErrors,
          p99: now < windowStart ? 0 : recorder.currentP99(now),
        });
        lastTick = now;
        recorder.tickOps = 0;
        recorder.tickErrors = 0;
      }, 1000)
    : undefined;

  try {
    if (startAt > clock.now()) await clock.sleepUntil(startAt);
    const load = loadModelFor(spec.load).run({
      clock,
      startAt,
      connections: clients.length,
      endAt: windowEnd,
      signal: stop.signal,
      perform,
      drop: (intended) => recorder.drop(intended),
    });
    // Outstanding operations after the window are bounded by the clients' timeouts; past that
    // (or on abort) the connections are closed so that nothing hangs.
    const stalled = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        const now = clock.now();
        if (stop.signal.aborted || now > windowEnd + spec.timeoutMs + 2000) {
          clearInterval(check);
          resolve();
        }
      }, 50);
      void load.finally(() => {
        clearInterval(check);
        resolve();
      });
    });
    await stalled;
    if (stop.signal.aborted) await parts.close();
    await load;
  } finally {
    clearTimeout(windowTimer);
    clearTimeout(endTimer);
    if (ticker) clearInterval(ticker);
    signal?.removeEventListener('abort', onAbort);
  }
  closeWindow();
  const measuredMs = Math.max(0, Math.min(windowEnd, stoppedAt) - windowStart);
  return {
    ...recorder.snapshot(measuredMs),
    endReason,
    measuredMs,
    payload: { ...parts.payload },
    wire: windowOpened ? wire.read() : { read: 0, written: 0 },
    eventLoopDelay: {
      p50: delayUs(eld.percentile(50)),
      p99: delayUs(eld.percentile(99)),
      max: delayUs(eld.max),
    },
    eventLoopUtilization: eluValue,
  };
}

/** monitorEventLoopDelay records whole timer intervals: the delay is what exceeds the resolution. */
function delayUs(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1000 - eldResolutionMs * 1000)) : 0;
}
