/**
 * The commbench side of the self-benchmark, run as its own process so its CPU is measured like
 * every other load generator's: drives an existing server (`target`) with the engine's runCase
 * and prints one JSON line (a DriverOutput) on stdout.
 *
 *   node --import tsx bench/driver.ts --pattern rest --url http://127.0.0.1:PORT \
 *     --connections 50 --workers 1 --warmup-ms 1000 --duration-ms 10000 --size 1024 \
 *     --options '{"client":"net"}'
 */
import { parseArgs } from 'node:util';
import { runCase } from '../src/engine/runner.js';
import { messageShapes, type MessageShape } from '../src/message.js';
import type { CaseSpec } from '../src/plan/types.js';

/** What the driver process reports; latencies µs, CPU µs, durations ms. */
export interface DriverOutput {
  readonly status: string;
  readonly error?: string;
  readonly ops: number;
  readonly errors: number;
  readonly durationMs: number;
  readonly throughput: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** The engine's own figure (process.cpuUsage over the window), for cross-checking /proc. */
  readonly engineDriverCpuUsPerOp: number;
  /** The engine's stored verdict: who limited the window ('none' or a flag), and why. */
  readonly limitedBy: string;
  readonly limitedWhy: string;
  readonly eventLoopUtilization: number;
  /** Open loops: the driver's own send lag, p99 µs, and how it paced. */
  readonly sendLagP99Us?: number;
  readonly pacing?: string;
}

const { values } = parseArgs({
  options: {
    pattern: { type: 'string', default: 'rest' },
    url: { type: 'string' },
    connections: { type: 'string', default: '50' },
    workers: { type: 'string', default: '1' },
    'warmup-ms': { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '10000' },
    size: { type: 'string', default: '1024' },
    shape: { type: 'string', default: 'mixed' },
    /** Pattern options as JSON, e.g. '{"client":"net"}'. */
    options: { type: 'string', default: '{}' },
    /** Open loop at this many operations/s (the rate model) instead of a closed loop. */
    rate: { type: 'string' },
    /** The open loop's pacing: auto, spin or sleep. */
    pacing: { type: 'string', default: 'auto' },
  },
});

function shapeOf(value: string): MessageShape {
  const shape = messageShapes.find((s) => s === value);
  if (!shape) throw new Error(`--shape must be one of ${messageShapes.join(', ')}`);
  return shape;
}

function pacingOf(value: string): 'auto' | 'spin' | 'sleep' {
  if (value === 'auto' || value === 'spin' || value === 'sleep') return value;
  throw new Error('--pacing must be one of auto, spin, sleep');
}

if (values.url === undefined) throw new Error('--url is required');
const spec: CaseSpec = {
  id: `bench ${values.pattern}`,
  pattern: values.pattern,
  options: JSON.parse(values.options) as Record<string, unknown>,
  ...(values.rate === undefined
    ? {
        load: { model: 'closed', connections: Number(values.connections), inFlight: 1 },
        loadInfo: { label: `closed c=${values.connections}×1`, schedule: 'closed' },
      }
    : {
        load: {
          model: 'rate',
          rate: Number(values.rate),
          connections: Number(values.connections),
          inFlight: 1,
          maxInFlight: 10_000,
        },
        loadInfo: { label: `rate ${values.rate}/s c=${values.connections}`, schedule: 'open' },
      }),
  pacing: pacingOf(values.pacing),
  payload: { size: Number(values.size), shape: shapeOf(values.shape) },
  durationMs: Number(values['duration-ms']),
  warmupMs: Number(values['warmup-ms']),
  repeat: 1,
  timeoutMs: 5000,
  workers: Number(values.workers),
  serverDelayMs: 0,
  target: values.url,
  verifyEvery: 10,
};

const abort = new AbortController();
const onSignal = (): void => abort.abort('interrupted');
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const result = await runCase(spec, { signal: abort.signal });
const m = result.summary;
const output: DriverOutput = {
  status: result.status,
  ...(result.error ? { error: `${result.error.code}: ${result.error.message}` } : {}),
  ops: m?.ops ?? 0,
  errors: m?.errors.total ?? 0,
  durationMs: m?.durationMs ?? 0,
  throughput: m?.throughput ?? 0,
  p50Us: m?.latency.p50 ?? 0,
  p99Us: m?.latency.p99 ?? 0,
  engineDriverCpuUsPerOp: m?.driver.cpuUsPerOp ?? 0,
  limitedBy: m?.verdict.limit ?? 'none',
  limitedWhy: m?.verdict.why ?? '',
  eventLoopUtilization: m?.driver.eventLoopUtilization ?? 0,
  sendLagP99Us: m?.driver.sendLagP99 ?? 0,
  ...(m?.driver.pacing ? { pacing: m.driver.pacing.pacing } : {}),
};
process.stdout.write(JSON.stringify(output) + '\n');
