import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { CommbenchError, errnoCode, errnoKind } from '../errors.js';
import { makeRecord, recordsEqual, withSeq, type EchoRecord } from '../message.js';
import { createHistogram, encodeHistogram, recordMicros } from '../metrics/histogram.js';
import { WireMeter } from '../metrics/wire.js';
import { casePushes, loadPattern } from '../patterns/registry.js';
import { OpError, type Pattern, type PatternClient, type Subscription } from '../toolkit/contract.js';
import type { CaseSpec, LoadSpec } from '../plan/types.js';
import type { ErrorKind } from '../result/types.js';
import { pacingClock, pacingMs, realClock, stopPacing, type Clock, type Pacing } from './clock.js';
import { inFlightPerConnection, loadModelFor } from './load/index.js';
import { loadDefinition } from './load/registry.js';
import type { SharePlacement } from './load/types.js';
import { DeliveryTracker, type DeliverySnapshot } from './deliveries.js';
import { sourceBinding } from './sources.js';
import { Recorder, sendLagMs, type RecorderSnapshot } from './recorder.js';

/** What one driver (the main thread, or one worker thread) runs: its share of a case's load. */
export interface DriverSpec extends Pick<
  CaseSpec,
  'pattern' | 'options' | 'payload' | 'timeoutMs' | 'verifyEvery' | 'warmupMs' | 'durationMs' | 'request'
> {
  readonly url: string;
  /** This driver's share (connections and rate already divided between workers). */
  readonly load: LoadSpec;
  /** Index of this driver's first connection among all drivers' (for client naming). */
  readonly connectionOffset: number;
  /**
   * Where this driver's share of a split open schedule starts (see the model's `share`), so worker
   * threads interleave their sends instead of firing together.
   */
  readonly placement?: SharePlacement;
  /** How open loops wait for due times (resolved from the case's `pacing`); default sleep. */
  readonly pacing?: Pacing;
  /**
   * Server processes' URLs (`server.processes`): connection i (among all drivers') connects to
   * `urls[i % urls.length]`; absent: every connection to `url`.
   */
  readonly urls?: readonly string[];
  /** Connections bound to one loopback source address before the next (src/engine/sources.ts; tests lower it). */
  readonly perSourceAddress?: number;
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
  /**
   * Wall time this thread spent in the window waiting out due times on its event loop (open loops'
   * pacing: a busy wait), ms; absent from reports of older versions.
   */
  readonly pacingMs?: number;
  /** Push and queue patterns: deliveries to this driver's subscribers. */
  readonly delivery?: DeliverySnapshot & {
    /** Time to open each subscription, µs (encoded histogram). */
    readonly subscribe: string;
    /** First-time deliveries of measured messages received inside the window (for throughput). */
    readonly inWindow: number;
  };
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

/** The server connection `index` (among all drivers') goes to: spread over `spec.urls` when there are several. */
function urlOf(spec: DriverSpec, index: number, url: URL): URL {
  const urls = spec.urls;
  return urls && urls.length > 1 ? new URL(urls[index % urls.length] as string) : url;
}
/** Sequence number of the probe operation (load operations count up from 0). */
const probeSeq = 0xffffffff;
const unreachableHint =
  'check that the server is running and the URL is right (for --target, the scheme, host and port)';
const eldResolutionMs = 10;

/** The open connections and subscriptions of a driver, and what measures them. */
interface Parts {
  readonly clock: Clock;
  readonly clients: readonly PatternClient[];
  readonly wire: WireMeter;
  readonly payload: DriverReport['payload'];
  readonly deliveries: DeliveryTracker | undefined;
  readonly subscriptions: readonly Subscription[];
  /** First-time deliveries of measured messages while the window was open. */
  readonly deliveredInWindow: { count: number };
  readonly subscribeTimes: string;
  readonly base: EchoRecord;
  readonly close: () => Promise<void>;
}

/**
 * Opens every subscription and connection of `spec` and checks one round trip (not measured).
 * Rejects with E_TARGET_UNREACHABLE when the server cannot be reached, and with E_INTERRUPTED as
 * soon as `signal` aborts (however many connections are still opening), closing what was opened.
 */
export async function connectDriver(
  spec: DriverSpec,
  clock: Clock = realClock,
  signal?: AbortSignal,
): Promise<Driver> {
  const pattern = await loadPattern(spec.pattern);
  const options = pattern.options.parse(spec.options ?? {});
  const url = new URL(spec.url);
  const base = makeRecord(spec.payload.size, spec.payload.shape);
  const wire = new WireMeter();
  const payload = { request: 0, response: 0, ops: 0 };
  const subscriptions: Subscription[] = [];
  const clients: PatternClient[] = [];
  /** Every client opened so far (in `clients` only once all are open, in index order). */
  const opened = new Set<PatternClient>();
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.allSettled([...[...opened].map((c) => c.close()), ...subscriptions.map((s) => s.close())]);
    wire.dispose();
  };
  /** A client or subscription that opens after close() is closed at once. */
  const keep = <T extends { close(): Promise<void> }>(item: T, into: { add(item: T): void }): T => {
    if (closed) void item.close().catch(() => undefined);
    else into.add(item);
    return item;
  };
  try {
    if (signal?.aborted) throw interrupted();
    const { deliveries, subscribeTimes, deliveredInWindow } = await untilAborted(
      openSubscriptions(pattern, options, spec, url, base, clock, (s) =>
        keep(s, { add: (x) => subscriptions.push(x) }),
      ),
      signal,
    );
    const meter = {
      add(requestBytes: number, responseBytes: number) {
        payload.request += requestBytes;
        payload.response += responseBytes;
        payload.ops++;
      },
    };
    const inFlight = inFlightPerConnection(spec.load);
    clients.push(
      ...(await untilAborted(
        settleAll(
          Array.from({ length: spec.load.connections }, (_, i) =>
            pattern
              .connect({
                url: urlOf(spec, spec.connectionOffset + i, url),
                options,
                index: spec.connectionOffset + i,
                ...sourceBinding(url, spec.connectionOffset + i, spec.perSourceAddress),
                inFlight,
                timeoutMs: spec.timeoutMs,
                payload: meter,
                ...(spec.request ? { request: spec.request } : {}),
              })
              .then((c) => keep(c, opened)),
          ),
        ),
        signal,
      )),
    );
    // One verified round trip before any load: a lazy client (undici connects on first request)
    // would otherwise turn an unreachable server into a whole run of connection errors. With a
    // `request` block the client judges it by the request's `expect`, like every operation.
    // A fault in place from the start (pattern.injectsFault) may answer it with an error: the load's
    // errors measure that; only an unreachable or silent server stops the run.
    if (clients[0]) {
      const probe = clients[0].send(withSeq(base, probeSeq), true);
      await untilAborted(pattern.injectsFault?.(options) ? probe.catch(unlessAnswered) : probe, signal);
    }
    const parts: Parts = {
      clock,
      clients,
      wire,
      payload,
      deliveries,
      subscriptions,
      deliveredInWindow,
      subscribeTimes,
      base,
      close,
    };
    return { close, run: (startAt, hooks = {}) => runLoad(spec, parts, startAt, hooks) };
  } catch (err) {
    await close();
    throw unreachable(spec, err);
  }
}

/** Push and queue patterns: opens `load.subscribers` subscriptions (default 1), timing each. */
async function openSubscriptions(
  pattern: Pattern,
  options: unknown,
  spec: DriverSpec,
  url: URL,
  base: EchoRecord,
  clock: Clock,
  opened: (subscription: Subscription) => Subscription,
): Promise<{
  deliveries: DeliveryTracker | undefined;
  subscribeTimes: string;
  deliveredInWindow: { count: number };
}> {
  const deliveredInWindow = { count: 0 };
  const count = (await casePushes(spec)) ? (spec.load.subscribers ?? 1) : 0;
  if (!pattern.subscribe || count === 0)
    return { deliveries: undefined, subscribeTimes: '', deliveredInWindow };
  const perMessage = pattern.deliveriesPerMessage?.(options as never, count) ?? count;
  const deliveries = new DeliveryTracker(
    count,
    perMessage,
    loadDefinition(spec.load).fromIntendedTime,
    spec.load.connections,
  );
  const verifyEvery = Math.max(1, spec.verifyEvery);
  const times = createHistogram();
  const subscribe = pattern.subscribe.bind(pattern);
  await settleAll(
    Array.from({ length: count }, async (_, index) => {
      const started = clock.now();
      const subscription = await subscribe({
        url,
        options: options as never,
        index,
        ...sourceBinding(url, spec.load.connections + index, spec.perSourceAddress),
        timeoutMs: spec.timeoutMs,
        deliver(seq, record, bytes = 0) {
          const matches =
            record !== undefined && seq % verifyEvery === 0
              ? recordsEqual(record, withSeq(base, seq))
              : undefined;
          const before = deliveries.delivered;
          deliveries.deliver(seq, index, clock.now(), bytes, matches);
          if (deliveries.measuring && deliveries.delivered > before) deliveredInWindow.count++;
        },
        requested: (empty) => deliveries.requested(empty),
        reconnected: (ms) => deliveries.reconnected(ms),
        invalid: (why, kind) => deliveries.invalidMessage(why, kind),
      });
      recordMicros(times, (clock.now() - started) * 1000);
      // Handed to the driver as soon as it is open, so an abort or a failure elsewhere closes it.
      return opened(subscription);
    }),
  );
  return { deliveries, subscribeTimes: encodeHistogram(times), deliveredInWindow };
}

function interrupted(): CommbenchError {
  return new CommbenchError('E_INTERRUPTED', 'interrupted while connecting');
}

/** `promise`, or a rejection with E_INTERRUPTED as soon as `signal` aborts (the promise runs on). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(interrupted());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Awaits every promise; on any failure throws the first reason (once all have settled). Each
 * promise hands what it opened to the driver itself, so nothing is left unclosed.
 */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Rethrows unless the server answered (an error answer: rejected, protocol, mismatch). */
function unlessAnswered(err: unknown): void {
  if (err instanceof OpError && err.kind !== 'connection' && err.kind !== 'timeout') return;
  throw err;
}

function unreachable(spec: DriverSpec, err: unknown): CommbenchError {
  if (err instanceof CommbenchError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  const kind = err instanceof OpError ? err.kind : errnoKind(err);
  // A socket's own connect timeout (ETIMEDOUT) means nobody answered: unreachable too.
  return kind === 'connection' || errnoCode(err) === 'ETIMEDOUT'
    ? new CommbenchError(
        'E_TARGET_UNREACHABLE',
        `cannot reach ${spec.pattern} server at ${spec.url}: ${reason}`,
        {
          hint: unreachableHint,
          cause: err,
        },
      )
    : new CommbenchError(
        'E_RUN_FAILED',
        `${spec.pattern} server at ${spec.url} did not answer a first ${spec.request ? 'request' : 'message'} as expected: ${reason}`,
        {
          hint: spec.request
            ? 'check the request block (method, path in the target URL, headers, body, expect)'
            : `is it a ${spec.pattern} echo server? \`commbench serve ${spec.pattern}\` runs one; for your own service add a request block (or -X/-H/-d, --proto/--call/-m) and success is judged by its expect`,
          cause: err,
        },
      );
}

async function runLoad(
  spec: DriverSpec,
  parts: Parts,
  startAt: number,
  hooks: RunHooks,
): Promise<DriverReport> {
  const { clock, wire, clients, deliveries, base } = parts;
  const windowStart = startAt + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  const recorder = new Recorder(windowStart, windowEnd, loadDefinition(spec.load).fromIntendedTime);
  const verifyEvery = Math.max(1, spec.verifyEvery);
  let nextSeq = 0;
  const stop = new AbortController();
  const signal = hooks.signal;
  let endReason: DriverEndReason = 'completed';
  let stoppedAt = Number.POSITIVE_INFINITY;
  const onAbort = (): void => {
    const reason: unknown = signal?.reason;
    endReason = reason === 'server-crashed' || reason === 'failed' ? reason : 'interrupted';
    stoppedAt = clock.now();
    recorder.frozen = true;
    if (deliveries) deliveries.frozen = true;
    stop.abort();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const perform = async (connection: number, intended: number, queuedMs = 0): Promise<void> => {
    const client = clients[connection] as PatternClient;
    const seq = nextSeq;
    nextSeq = (nextSeq + 1) >>> 0;
    const verify = seq % verifyEvery === 0;
    const sentAt = clock.now();
    recorder.started(intended, sentAt, verify, queuedMs);
    const measured = recorder.measures(intended);
    // Delivery latency, like the operation's, runs from when the driver fired it (its lag left out).
    deliveries?.publish(seq, intended + sendLagMs(intended, sentAt, queuedMs), sentAt, measured, connection);
    try {
      await client.send(withSeq(base, seq), verify);
      recorder.ok(intended, sentAt, clock.now(), queuedMs);
      deliveries?.accepted(seq);
    } catch (err) {
      deliveries?.unpublish(seq);
      const kind = recorder.failed(intended, sentAt, clock.now(), err, queuedMs);
      if (kind === 'connection' && !stop.signal.aborted && !recorder.abandoned)
        await clock.sleepUntil(clock.now() + connectionErrorBackoffMs);
    }
  };

  const eld = monitorEventLoopDelay({ resolution: eldResolutionMs });
  let elu = performance.eventLoopUtilization();
  let eluValue = 0;
  let pacingAtOpen = 0;
  let pacingInWindow = 0;
  let windowOpened = false;
  let windowClosed = false;
  const openWindow = (): void => {
    windowOpened = true;
    if (deliveries) deliveries.measuring = true;
    wire.start();
    eld.enable();
    elu = performance.eventLoopUtilization();
    pacingAtOpen = pacingMs();
  };
  const closeWindow = (): void => {
    if (!windowOpened || windowClosed) return;
    windowClosed = true;
    recorder.windowClosed(clock.now());
    if (deliveries) deliveries.measuring = false;
    eld.disable();
    eluValue = performance.eventLoopUtilization(elu).utilization;
    pacingInWindow = pacingMs() - pacingAtOpen;
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
    const load = loadModelFor(spec.load, spec.placement).run({
      // The real clock paces by the case's strategy; an injected (virtual) clock is used as it is.
      clock: clock === realClock ? pacingClock(spec.pacing ?? 'sleep') : clock,
      startAt,
      windowAt: windowStart,
      connections: clients.length,
      endAt: windowEnd,
      signal: stop.signal,
      perform,
      drop: (intended) => recorder.drop(intended),
    });
    // Outstanding operations after the window are bounded by the clients' timeouts, and missing
    // deliveries by one timeout more; past that (or on abort) the connections are closed so that
    // nothing hangs.
    const drained = await settleWithin(
      load,
      stop.signal,
      Math.max(0, windowEnd - clock.now()) + spec.timeoutMs + 2000,
    );
    const delivered =
      drained && deliveries
        ? await waitFor(() => deliveries.missing() === 0, stop.signal, spec.timeoutMs)
        : drained;
    // Still missing after the grace period: what the broker still holds is a backlog, not a loss.
    if (deliveries && drained && !delivered && !stop.signal.aborted)
      deliveries.stillQueued(await queuedDeliveries(parts.subscriptions));
    if (deliveries) deliveries.frozen = true;
    // Operations still pending at the drain deadline have waited past their timeout; closing the
    // connections fails them, and they must count as what they are (timeouts), not as connection errors.
    if (!drained && !stop.signal.aborted) recorder.abandoned = true;
    if (!delivered || stop.signal.aborted) await parts.close();
    await load;
  } finally {
    clearTimeout(windowTimer);
    clearTimeout(endTimer);
    if (ticker) clearInterval(ticker);
    signal?.removeEventListener('abort', onAbort);
    stopPacing();
  }
  closeWindow();
  const measuredMs = Math.max(0, Math.min(windowEnd, stoppedAt) - windowStart);
  const snapshot = recorder.snapshot(measuredMs);
  // Push patterns: messages a subscriber could not read are errors of the window (protocol, oversize).
  const errors = { ...snapshot.errors };
  const errorSamples = { ...snapshot.errorSamples };
  for (const [kind, n] of Object.entries(deliveries?.invalid ?? {}) as [
    ErrorKind,
    { count: number; sample: string },
  ][]) {
    errors[kind] += n.count;
    errorSamples[kind] ??= n.sample;
  }
  return {
    ...snapshot,
    errors,
    errorSamples,
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
    pacingMs: pacingInWindow,
    ...(deliveries
      ? {
          delivery: {
            ...deliveries.snapshot(),
            subscribe: parts.subscribeTimes,
            inWindow: parts.deliveredInWindow.count,
          },
        }
      : {}),
  };
}

/** Deliveries the subscriptions' brokers still hold (those that can tell), asked within a second. */
async function queuedDeliveries(subscriptions: readonly Subscription[]): Promise<number> {
  const asked = subscriptions.map((s) =>
    s.queued ? settleWithinValue(s.queued(), 1000) : Promise.resolve(undefined),
  );
  let total = 0;
  for (const n of await Promise.all(asked)) total += n ?? 0;
  return total;
}

function settleWithinValue<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

/** Resolves true when `promise` settles within `timeoutMs`, false on abort or timeout. */
function settleWithin(promise: Promise<unknown>, signal: AbortSignal, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (value: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = (): void => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) finish(false);
    void promise.then(
      () => finish(true),
      () => finish(true),
    );
  });
}

/** Resolves true when `done()` holds (checked every 10 ms), false on abort or after `timeoutMs`. */
function waitFor(done: () => boolean, signal: AbortSignal, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const deadline = performance.now() + timeoutMs;
    const check = (): void => {
      if (done()) resolve(true);
      else if (signal.aborted || performance.now() >= deadline) resolve(false);
      else setTimeout(check, 10);
    };
    check();
  });
}

/** monitorEventLoopDelay records whole timer intervals: the delay is what exceeds the resolution. */
function delayUs(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1000 - eldResolutionMs * 1000)) : 0;
}
