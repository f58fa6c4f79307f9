/**
 * One process's share of held connections (the `connections` model): opened `concurrency` at a
 * time, each timed, then held until released. The CLI's process runs one share; with driver
 * processes (`processes:`) each child runs one (src/engine/hold-process.ts).
 */
import { performance } from 'node:perf_hooks';
import { makeRecord, withSeq } from '../message.js';
import { createHistogram, encodeHistogram, recordMicros } from '../metrics/histogram.js';
import { WireMeter } from '../metrics/wire.js';
import { casePushes, loadPattern } from '../patterns/registry.js';
import { type PatternClient, type Subscription } from '../toolkit/contract.js';
import type { CaseSpec } from '../plan/types.js';
import { sourceBinding } from './sources.js';

/** Connections opened at once while ramping up (per process). */
export const holdConcurrency = 100;

/** Which connections a share opens: indices `offset` … `offset + count - 1` of the case's. */
export interface HoldShare {
  readonly spec: CaseSpec;
  /** The server processes' URLs: connection i goes to urls[i % urls.length]. */
  readonly urls: readonly string[];
  readonly offset: number;
  readonly count: number;
}

/** What opening a share measured (plain data: it crosses process boundaries). */
export interface OpenedShare {
  readonly opened: number;
  readonly failed: number;
  readonly failure?: string;
  /** Time to open each connection, µs (encoded histogram). */
  readonly times: string;
  readonly openMs: number;
  /** CPU this process used opening them, µs. */
  readonly cpuUs: number;
  readonly wire: { readonly read: number; readonly written: number };
}

/** The receipts of one broadcast at a share's subscribers (plain data). */
export interface BroadcastShare {
  readonly received: number;
  /** Receipt − publish, µs (encoded histogram). */
  readonly latency: string;
  /** The last receipt − publish, µs (0 when none). */
  readonly lastUs: number;
}

/** Wall-clock now in ms with µs resolution, comparable across processes of one machine. */
const epochMs = (): number => performance.timeOrigin + performance.now();

/**
 * Opens a share; `close()` releases every connection it opened, `collect(publishedAt)` reads the
 * first receipt at each subscriber against a publish at `publishedAt` (epoch ms). Stops opening
 * when `signal` aborts.
 */
export async function openShare(
  share: HoldShare,
  signal?: AbortSignal,
): Promise<OpenedShare & { close(): Promise<void>; collect(publishedAtMs: number): BroadcastShare }> {
  const { spec, urls, offset, count } = share;
  const pattern = await loadPattern(spec.pattern);
  const options = pattern.options.parse(spec.options ?? {});
  const subscriptions = await casePushes(spec);
  const record = withSeq(makeRecord(spec.payload.size, spec.payload.shape), 0);
  const wire = new WireMeter();
  const times = createHistogram();
  const open: (PatternClient | Subscription)[] = [];
  const payload = { add: () => undefined };
  let opened = 0;
  let failed = 0;
  let failure: string | undefined;
  const receipts = new Float64Array(count).fill(NaN);
  const cpuBefore = process.cpuUsage();
  wire.start();
  const openOne = async (index: number): Promise<void> => {
    const started = performance.now();
    const url = new URL(urls[index % urls.length] as string);
    try {
      if (subscriptions && pattern.subscribe) {
        open.push(
          await pattern.subscribe({
            url,
            options,
            index,
            ...sourceBinding(url, index),
            timeoutMs: spec.timeoutMs,
            deliver: () => {
              const k = index - offset;
              if (Number.isNaN(receipts[k])) receipts[k] = epochMs();
            },
          }),
        );
      } else {
        const client = await pattern.connect({
          url,
          options,
          index,
          ...sourceBinding(url, index),
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
  const openStarted = performance.now();
  for (let next = offset; next < offset + count && !signal?.aborted;) {
    const batch: Promise<void>[] = [];
    for (let k = 0; k < holdConcurrency && next < offset + count; k++) batch.push(openOne(next++));
    await Promise.all(batch);
  }
  const openMs = performance.now() - openStarted;
  const cpu = process.cpuUsage(cpuBefore);
  const bytes = wire.read();
  return {
    opened,
    failed,
    ...(failure ? { failure } : {}),
    times: encodeHistogram(times),
    openMs,
    cpuUs: cpu.user + cpu.system,
    wire: { read: bytes.read, written: bytes.written },
    async close() {
      await Promise.allSettled(open.map((c) => c.close()));
      wire.dispose();
    },
    collect(publishedAtMs) {
      const h = createHistogram();
      let received = 0;
      let lastUs = 0;
      for (const t of receipts) {
        if (Number.isNaN(t)) continue;
        const us = Math.max(0, (t - publishedAtMs) * 1000);
        recordMicros(h, us);
        received++;
        lastUs = Math.max(lastUs, us);
      }
      return { received, latency: encodeHistogram(h), lastUs };
    },
  };
}
