/**
 * Benchmark of commbench's amqp pattern against a plain amqplib loop on the same throwaway
 * RabbitMQ, in one run (`npm run bench:amqp`):
 *
 * 1. throughput: work queue, one publisher connection keeping 64 publishes awaiting their confirm,
 *    one consumer (prefetch 100, manual ack), 1 KiB JSON records: messages consumed per second.
 *    Plain amqplib does exactly that in a loop; commbench runs `amqp` mode=work-queue confirm=true
 *    closed c=1×64 subscribers=1 (its delivery throughput). Ratio = commbench / plain (goal ≥ 0.95).
 * 2. latency: 1000 msg/s open loop, publish → consume on one clock; p50/p99 of commbench's
 *    delivery latency (from the intended send time) next to the plain loop's (goal p50 ≤ 0.5 ms).
 *
 *   BENCH_DURATION=5s BENCH_ROUNDS=3 npm run bench:amqp
 *
 * Results go to bench/results/amqp-<time>.json; medians over the rounds are printed. `npm run bench`
 * runs the same rounds for its amqp row (benchAmqp).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import amqplib, { type ConfirmChannel } from 'amqplib';
import { brokerEnvVar, startBroker, type RunningBroker } from '../src/brokers/index.js';
import { describeEnvironment } from '../src/engine/environment.js';
import { runPlan } from '../src/engine/runner.js';
import { makeRecord, withSeq } from '../src/message.js';
import { createHistogram, recordMicros } from '../src/metrics/histogram.js';
import { planFromText } from '../src/scenario/index.js';
import { parseDuration } from '../src/units.js';

const durationMs = parseDuration(process.env.BENCH_DURATION ?? '5s') ?? 5000;
const warmupMs = parseDuration(process.env.BENCH_WARMUP ?? '1s') ?? 1000;
const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
const inFlight = 64;
const prefetch = 100;
const rate = 1000;
const size = 1024;

interface Throughput {
  readonly perSec: number;
}
interface Latency {
  readonly p50Us: number;
  readonly p99Us: number;
  readonly delivered: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Plain amqplib: a queue, a consumer, publishes with confirms kept `inFlight` deep, or paced at `pace`/s. */
async function plainLoop(url: string, pace: number | undefined): Promise<Throughput & Latency> {
  const queue = `bench-plain-${process.pid}-${Date.now()}`;
  const pub = await amqplib.connect(url, { noDelay: true });
  const sub = await amqplib.connect(url, { noDelay: true });
  // Throughput: confirms kept `inFlight` deep (as commbench confirm=true); paced: plain publishes
  // (as commbench's rate case, which does not ask for confirms).
  const pch = pace === undefined ? await pub.createConfirmChannel() : await pub.createChannel();
  const cch = await sub.createChannel();
  await pch.assertQueue(queue, { durable: false });
  await cch.prefetch(prefetch);
  const base = makeRecord(size);
  const sentAt = new Map<number, number>();
  const latency = createHistogram();
  const start = performance.now();
  const windowStart = start + warmupMs;
  const windowEnd = windowStart + durationMs;
  let consumed = 0;
  await cch.consume(queue, (m) => {
    if (!m) return;
    const now = performance.now();
    const record = JSON.parse(m.content.toString()) as { seq: number };
    const t = sentAt.get(record.seq);
    sentAt.delete(record.seq);
    if (now >= windowStart && now < windowEnd) {
      consumed++;
      if (t !== undefined) recordMicros(latency, (now - t) * 1000);
    }
    cch.ack(m);
  });
  let seq = 0;
  const publish = (intended: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = seq++;
      sentAt.set(s, intended);
      const body = Buffer.from(JSON.stringify(withSeq(base, s)));
      if (pace !== undefined) {
        pch.sendToQueue(queue, body);
        return resolve();
      }
      (pch as ConfirmChannel).sendToQueue(queue, body, {}, (err: unknown) =>
        err ? reject(new Error('nacked')) : resolve(),
      );
    });
  if (pace === undefined) {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < windowEnd) await publish(performance.now());
      }),
    );
  } else {
    const interval = 1000 / pace;
    for (let i = 0; ; i++) {
      const due = start + i * interval;
      if (due >= windowEnd) break;
      const wait = due - performance.now();
      // Yield every time (sleep or setImmediate), so that the consumer's deliveries are read on time.
      if (wait > 1) await sleep(wait - 1);
      else await new Promise((resolve) => setImmediate(resolve));
      while (performance.now() < due) {
        // spin the last millisecond so that sends leave on time
      }
      await publish(due);
    }
  }
  await sleep(200);
  await pch.deleteQueue(queue);
  await pub.close();
  await sub.close();
  return {
    perSec: consumed / (durationMs / 1000),
    p50Us: latency.getValueAtPercentile(50),
    p99Us: latency.getValueAtPercentile(99),
    delivered: consumed,
  };
}

/** commbench's amqp pattern through the real engine (runPlan), on the same broker. */
async function commbench(load: string, options: string): Promise<Throughput & Latency> {
  const yaml = `
name: bench-amqp
defaults:
  pattern: amqp
  duration: ${durationMs}ms
  warmup: ${warmupMs}ms
  load: ${load}
  payload: { size: ${size}, shape: mixed }
  options: { amqp: ${options} }
`;
  const plan = await planFromText(yaml, { file: 'bench-amqp.yaml' });
  const result = await runPlan(plan);
  const c = result.cases[0];
  const d = c?.summary?.delivery;
  if (!c || c.status !== 'ok' || !d)
    throw new Error(`commbench case failed: ${c?.error?.message ?? c?.status}`);
  return { perSec: d.throughput, p50Us: d.latency.p50, p99Us: d.latency.p99, delivered: d.delivered };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** One round's figures: throughput of both, and delivery latency at the paced rate. */
export interface AmqpRound {
  readonly plain: Throughput & Latency;
  readonly commbench: Throughput & Latency;
  readonly ratio: number;
  readonly plainRate: Throughput & Latency;
  readonly commbenchRate: Throughput & Latency;
}

/** Runs the rounds on a throwaway RabbitMQ; `npm run bench` calls it for its amqp row. */
export async function benchAmqp(): Promise<{ rounds: AmqpRound[]; summary: AmqpSummary }> {
  const broker: RunningBroker = await startBroker('rabbitmq');
  const onSignal = (): void => {
    void broker.stop('kill').finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.env[brokerEnvVar('rabbitmq')] = broker.url;
  const rows: AmqpRound[] = [];
  const ratios: number[] = [];
  const latencies: { commbench: number[]; plain: number[]; commbench99: number[]; plain99: number[] } = {
    commbench: [],
    plain: [],
    commbench99: [],
    plain99: [],
  };
  try {
    for (let r = 0; r < rounds; r++) {
      const plain = await plainLoop(broker.url, undefined);
      const cb = await commbench(
        `{ model: closed, connections: 1, inFlight: ${inFlight}, subscribers: 1 }`,
        `{ mode: work-queue, confirm: true, prefetch: ${prefetch} }`,
      );
      const ratio = cb.perSec / plain.perSec;
      ratios.push(ratio);
      const plainRate = await plainLoop(broker.url, rate);
      const cbRate = await commbench(
        `{ model: rate, rate: ${rate}, connections: 1, inFlight: ${inFlight}, subscribers: 1 }`,
        `{ mode: work-queue, prefetch: ${prefetch} }`,
      );
      latencies.commbench.push(cbRate.p50Us);
      latencies.plain.push(plainRate.p50Us);
      latencies.commbench99.push(cbRate.p99Us);
      latencies.plain99.push(plainRate.p99Us);
      rows.push({ plain, commbench: cb, ratio, plainRate, commbenchRate: cbRate });
      process.stderr.write(
        `round ${r + 1}/${rounds}: throughput plain ${Math.round(plain.perSec)}/s, commbench ${Math.round(cb.perSec)}/s ` +
          `(×${ratio.toFixed(3)}); ${rate} msg/s p50 commbench ${cbRate.p50Us} µs, plain ${plainRate.p50Us} µs\n`,
      );
    }
  } finally {
    delete process.env[brokerEnvVar('rabbitmq')];
    await broker.stop();
  }
  const summary: AmqpSummary = {
    throughputRatio: median(ratios),
    latencyP50Us: { commbench: median(latencies.commbench), plain: median(latencies.plain) },
    latencyP99Us: { commbench: median(latencies.commbench99), plain: median(latencies.plain99) },
  };
  return { rounds: rows, summary };
}

export interface AmqpSummary {
  /** Median over the rounds of commbench's work-queue throughput ÷ the plain loop's. */
  readonly throughputRatio: number;
  readonly latencyP50Us: { readonly commbench: number; readonly plain: number };
  readonly latencyP99Us: { readonly commbench: number; readonly plain: number };
}

async function main(): Promise<void> {
  const { rounds: rows, summary } = await benchAmqp();
  process.stdout.write(
    `amqp work-queue throughput, commbench / plain amqplib: ×${summary.throughputRatio.toFixed(3)} (goal ≥ 0.95)\n` +
      `delivery latency at ${rate} msg/s, p50: commbench ${summary.latencyP50Us.commbench} µs, plain ${summary.latencyP50Us.plain} µs (goal ≤ 500 µs); ` +
      `p99: ${summary.latencyP99Us.commbench} µs vs ${summary.latencyP99Us.plain} µs\n`,
  );
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `amqp-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    JSON.stringify(
      { environment: describeEnvironment(), durationMs, warmupMs, rounds, summary, rows },
      null,
      2,
    ),
  );
  process.stderr.write(`results: ${file}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
