/**
 * Benchmark of commbench itself: its driver against established load generators, in one run,
 * on the same server process, connection count, body and duration. `npm run bench`.
 *
 *   BENCH_DURATION=4s BENCH_WARMUP=1s BENCH_CONNECTIONS=50 BENCH_PATTERNS=rest,grpc npm run bench
 *   BENCH_ROUNDS=3 BENCH_GRPC_WORKERS=1,2 BENCH_SIZE=1KiB npm run bench   (medians of 3 rounds)
 *   npm run bench -- --duration 5s --connections 50 --patterns rest,latency --cpu-prof
 *
 * Groups (--patterns): rest (commbench client=net and client=undici, wrk, autocannon), grpc
 * (client=frames, http2 and grpc-js, h2load), websocket (commbench client=net and client=ws, a plain `ws`
 * loop), tcp (commbench, a
 * plain node:net loop), amqp (commbench's work queue and a plain amqplib loop on a throwaway
 * RabbitMQ, bench/amqp.ts), latency (rest at 1 connection against a server with a fixed 5 ms delay and
 * with none: commbench's p50 next to wrk's), open (rest at constant rates of 1000, 2000 and 5000/s over 32
 * connections: commbench pacing by sleep and by spin next to wrk2 when it is installed — driver CPU per
 * request, all of it, and p50/p99 from the intended send time). The goals of issue 10 are checked per row: driver
 * CPU/req ÷ the reference's, req/s ÷ the reference's, p50 − wrk's p50.
 *
 * Per tool: req/s and p50/p99 as the tool reports them; driver CPU per request = the driver
 * process's CPU time (utime + stime from /proc/<pid>/stat, every thread) over the steady part of
 * its run (from 0.5 s after the start of its measured window to 0.5 s before it exits) divided
 * by the requests it reports per second; server CPU per request the same from the server
 * process. Results go to bench/results/bench-<time>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeEnvironment } from '../src/engine/environment.js';
import { killAllServers, startServerProcess, type ServerProcess } from '../src/engine/server-host.js';
import { formatMicros, parseDuration, parseSize } from '../src/units.js';
import { checkGrpcExchange, writePayloads, type PayloadFiles } from './payload.js';
import { commandExists, cpuRates, runTool, stopCurrentTool } from './proc.js';
import {
  autocannonTool,
  commbenchTool,
  h2loadTool,
  plainTool,
  wrk2Tool,
  wrkTool,
  type BenchConfig,
  type Tool,
  type ToolReport,
} from './tools.js';

interface Row extends Partial<ToolReport> {
  readonly pattern: string;
  readonly tool: string;
  /** Round (0-based) of a single run; in a summary, how many rounds succeeded. */
  readonly round?: number;
  readonly runs?: number;
  /** Driver and server CPU per request, µs, and their CPU use in cores over the steady window. */
  readonly driverCpuUsPerReq?: number;
  /** The kernel part of driverCpuUsPerReq (system time). */
  readonly driverSysUsPerReq?: number;
  readonly serverCpuUsPerReq?: number;
  readonly driverCores?: number;
  readonly serverCores?: number;
  /** CPU the rest of the machine used meanwhile, cores (background load: noise). */
  readonly otherCores?: number;
  /** Why the tool has no numbers. */
  readonly failure?: string;
}

/** One goal of issue 10 checked on one row against its reference row. */
interface Ratio {
  readonly pattern: string;
  readonly numerator: string;
  readonly denominator: string;
  /** cpu: driver CPU/req ÷ the reference's (≤ goal); rps: req/s ÷ (≥ goal); p50: |p50 − p50| µs (≤ goal). */
  readonly metric: 'cpu' | 'rps' | 'p50';
  /** Of the medians over the rounds. */
  readonly ratio: number;
  /** Per round, from the two tools' runs in that round. */
  readonly perRound: readonly number[];
  readonly goal: number;
  readonly met: boolean;
}

const groupNames = ['rest', 'grpc', 'websocket', 'tcp', 'latency', 'open', 'amqp'] as const;
type GroupName = (typeof groupNames)[number];

const benchDir = fileURLToPath(new URL('.', import.meta.url));

function readConfig(): {
  config: BenchConfig;
  patterns: GroupName[];
  grpcWorkers: number[];
  rounds: number;
} {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: process.env.BENCH_DURATION ?? '4s' },
      warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '1s' },
      connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '50' },
      size: { type: 'string', default: process.env.BENCH_SIZE ?? '1KiB' },
      patterns: { type: 'string', default: process.env.BENCH_PATTERNS ?? groupNames.join(',') },
      'grpc-workers': { type: 'string', default: process.env.BENCH_GRPC_WORKERS ?? '1' },
      rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '1' },
      'cpu-prof': { type: 'boolean', default: process.env.BENCH_CPU_PROF === '1' },
    },
  });
  const problems: string[] = [];
  const seconds = (name: string, value: string, min: number): number => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < min * 1000) problems.push(`${name} must be a duration of at least ${min}s`);
    return Math.round((ms ?? 0) / 1000);
  };
  const durationS = seconds('duration', values.duration, 2);
  const warmupS = seconds('warmup', values.warmup, 0);
  const connections = Number(values.connections);
  if (!Number.isInteger(connections) || connections < 1)
    problems.push('connections must be a positive integer');
  const size = parseSize(values.size);
  if (size === undefined || size < 64) problems.push('size must be a size of at least 64 bytes, e.g. 1KiB');
  const patterns = values.patterns.split(',').map((p) => p.trim());
  const known = patterns.filter((p): p is GroupName => (groupNames as readonly string[]).includes(p));
  if (known.length !== patterns.length || known.length === 0)
    problems.push(`patterns: one or more of ${groupNames.join(', ')}`);
  const grpcWorkers = values['grpc-workers'].split(',').map(Number);
  if (grpcWorkers.some((w) => !Number.isInteger(w) || w < 1)) problems.push('grpc-workers: e.g. 1,2');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) problems.push('rounds must be a positive integer');
  if (problems.length > 0) {
    process.stderr.write(`bench: ${problems.join('; ')}\n`);
    process.exit(2);
  }
  return {
    config: {
      connections,
      warmupS,
      durationS,
      size: size ?? 1024,
      ...(values['cpu-prof'] ? { cpuProfDir: join(benchDir, 'results', 'profiles') } : {}),
    },
    patterns: known,
    grpcWorkers,
    rounds,
  };
}

async function measure(
  tool: Tool,
  round: number,
  server: ServerProcess,
  config: BenchConfig,
  signal: AbortSignal,
): Promise<Row> {
  const base = { pattern: tool.pattern, tool: tool.label, round };
  const limitMs = (config.warmupS + config.durationS) * 1000 + 30_000;
  const serverUsage = () => server.usage();
  process.stderr.write(
    `  ${tool.pattern} ${tool.label}: ${config.warmupS}s warm-up + ${config.durationS}s …`,
  );
  if (tool.warmup) {
    const w = await runTool(tool.warmup.command, tool.warmup.args, { limitMs, serverUsage, signal });
    if (w.code !== 0)
      return fail(base, `warm-up run exited with ${w.signal ?? w.code}: ${lastLines(w.stderr)}`);
  }
  const run = await runTool(tool.run.command, tool.run.args, { limitMs, serverUsage, signal });
  if (run.killed) return fail(base, signal.aborted ? 'interrupted' : `killed after ${limitMs / 1000}s`);
  if (run.code !== 0)
    return fail(base, `exited with ${run.signal ?? run.code}: ${lastLines(run.stderr + run.stdout)}`);
  let report: ToolReport;
  try {
    report = await tool.parse(run);
  } catch (err) {
    return fail(base, (err as Error).message);
  }
  const rates = cpuRates(run.samples, run.exitedAt - config.durationS * 1000 + 500, run.exitedAt - 500);
  process.stderr.write(` ${Math.round(report.reqPerSec)} req/s\n`);
  if (!rates || report.reqPerSec <= 0) return { ...base, ...report };
  return {
    ...base,
    ...report,
    driverCores: rates.driverCores,
    serverCores: rates.serverCores,
    otherCores: rates.otherCores,
    driverCpuUsPerReq: (rates.driverCores * 1e6) / report.reqPerSec,
    driverSysUsPerReq: (rates.driverSysCores * 1e6) / report.reqPerSec,
    serverCpuUsPerReq: (rates.serverCores * 1e6) / report.reqPerSec,
  };
}

function fail(base: { pattern: string; tool: string; round: number }, failure: string): Row {
  process.stderr.write(` failed\n`);
  return { ...base, failure };
}

/** The line that names the error (a stack trace's first line), else the last lines. */
function lastLines(text: string): string {
  const lines = text.trim().split('\n');
  const error = lines.find((l) => /^(\w*Error\b|Error:|\w+: E_[A-Z_]+)|\bE_[A-Z_]+\b/.test(l.trim()));
  return error?.trim() ?? lines.slice(-3).join(' | ');
}

/** A note for the summary that is also worth seeing now. */
function say(notes: string[], note: string): void {
  process.stderr.write(`  ${note}\n`);
  notes.push(note);
}

/** One table section: a server (pattern, delay), the tools run against it, and its connections. */
interface Group {
  readonly name: string;
  readonly pattern: string;
  readonly delayMs: number;
  readonly connections: number;
  /** Open-loop groups: the constant rate every tool offers, ops/s. */
  readonly rate?: number;
}

/** The open group's rates (wrk2's way of working: constant rate, latency from the intended time). */
const openRates = [1000, 2000, 5000];
const openConnections = 32;

function groupsOf(name: GroupName, connections: number): Group[] {
  if (name === 'amqp') return []; // its own broker and rounds: benchAmqpRows
  if (name === 'open')
    return openRates.map((rate) => ({
      name: `open ${rate}/s`,
      pattern: 'rest',
      delayMs: 0,
      connections: openConnections,
      rate,
    }));
  if (name !== 'latency') return [{ name, pattern: name, delayMs: 0, connections }];
  return [
    { name: 'rest 5ms c=1', pattern: 'rest', delayMs: 5, connections: 1 },
    { name: 'rest 0ms c=1', pattern: 'rest', delayMs: 0, connections: 1 },
  ];
}

async function benchGroup(
  group: Group,
  files: PayloadFiles,
  baseConfig: BenchConfig,
  grpcWorkers: readonly number[],
  rounds: number,
  signal: AbortSignal,
  notes: string[],
): Promise<Row[]> {
  const config = { ...baseConfig, connections: group.connections };
  const server = await startServerProcess({
    pattern: group.pattern,
    options: {},
    host: '127.0.0.1',
    port: 0,
    delayMs: group.delayMs,
  });
  const g = group.name;
  process.stderr.write(`${g}: ${group.pattern} server ${server.url} (pid ${server.pid})\n`);
  const rows: Row[] = [];
  try {
    const tools: Tool[] = [];
    const wrk = async (): Promise<void> => {
      if (await commandExists('wrk')) tools.push(wrkTool(g, server.url, files, config));
      else say(notes, 'wrk not installed — apt-get install wrk');
    };
    if (group.rate !== undefined) {
      for (const pacing of ['sleep', 'spin'] as const)
        tools.push(
          commbenchTool(
            g,
            server.url,
            { pattern: 'rest', options: { client: 'net' }, rate: group.rate, pacing },
            config,
          ),
        );
      const wrk2 = process.env.BENCH_WRK2 ?? 'wrk2';
      if (await commandExists(wrk2)) tools.push(wrk2Tool(wrk2, g, server.url, files, config, group.rate));
      else
        say(
          notes,
          'wrk2 not found (the open-loop reference; not packaged by Debian or npm): build giltene/wrk2 and put it on PATH as wrk2, or BENCH_WRK2=<path>',
        );
    } else if (group.pattern === 'rest') {
      tools.push(
        commbenchTool(g, server.url, { pattern: 'rest', options: { client: 'net' } }, config),
        commbenchTool(g, server.url, { pattern: 'rest', options: { client: 'undici' } }, config),
      );
      if (group.delayMs === 0 && group.connections > 1)
        tools.push(autocannonTool(g, server.url, files, config));
      await wrk();
    } else if (group.pattern === 'grpc') {
      for (const w of grpcWorkers) {
        tools.push(
          commbenchTool(
            g,
            server.url,
            { pattern: 'grpc', options: { client: 'frames' }, workers: w },
            config,
          ),
          commbenchTool(g, server.url, { pattern: 'grpc', options: { client: 'http2' }, workers: w }, config),
          commbenchTool(
            g,
            server.url,
            { pattern: 'grpc', options: { client: 'grpc-js' }, workers: w },
            config,
          ),
        );
      }
      if (await commandExists('h2load')) {
        const httpUrl = server.url.replace(/^grpc:/, 'http:');
        const problem = await checkGrpcExchange(httpUrl, files.grpcFrame, files.record);
        if (problem === undefined) {
          notes.push(
            "h2load: one request with h2load's body and headers, checked before the run, got grpc-status 0 and an equal echo; during the run h2load only counts HTTP 200 (grpc-status per response is not checked)",
          );
          tools.push(h2loadTool(g, server.url, files, config));
        } else {
          say(notes, `h2load skipped: the gRPC request it would send fails (${problem})`);
        }
      } else say(notes, 'h2load not installed — apt-get install nghttp2-client');
    } else if (group.pattern === 'websocket') {
      tools.push(
        commbenchTool(g, server.url, { pattern: 'websocket', options: { client: 'net' } }, config),
        commbenchTool(g, server.url, { pattern: 'websocket', options: { client: 'ws' } }, config),
        plainTool(g, 'ws', server.url, config),
      );
    } else if (group.pattern === 'tcp') {
      tools.push(
        commbenchTool(g, server.url, { pattern: 'tcp' }, config),
        plainTool(g, 'tcp', server.url, config),
      );
    }
    // Later rounds alternate the order, so that a drift in the machine's background load does not
    // always favour the same tool.
    for (let round = 0; round < rounds; round++) {
      if (rounds > 1) process.stderr.write(` round ${round + 1} of ${rounds}\n`);
      for (const tool of round % 2 === 0 ? tools : [...tools].reverse()) {
        if (signal.aborted) break;
        rows.push(await measure(tool, round, server, config, signal));
      }
    }
  } finally {
    await server.stop();
  }
  return rows;
}

/**
 * The amqp row (bench/amqp.ts, in this process, on a throwaway RabbitMQ): per round, messages
 * consumed per second of commbench's work queue and of a plain amqplib loop, and their delivery
 * latency at 1000 msg/s.
 */
async function benchAmqpRows(config: BenchConfig, notes: string[]): Promise<Row[]> {
  process.env.BENCH_DURATION ??= `${config.durationS}s`;
  process.env.BENCH_WARMUP ??= `${config.warmupS}s`;
  process.stderr.write('amqp: commbench work queue and a plain amqplib loop on a throwaway RabbitMQ …\n');
  try {
    const { benchAmqp } = await import('./amqp.js');
    const { rounds } = await benchAmqp();
    notes.push(
      'amqp: req/s = messages consumed per second (work queue, publisher confirms kept 64 deep, one consumer with prefetch 100, 1 KiB), p50/p99 = publish → consume delivery latency at 1000 msg/s; both run in the bench process (driver CPU not measured); medians of BENCH_ROUNDS (default 3) rounds',
    );
    return rounds.flatMap((r, round) => [
      {
        pattern: 'amqp',
        tool: 'commbench work-queue',
        round,
        reqPerSec: r.commbench.perSec,
        p50Us: r.commbenchRate.p50Us,
        p99Us: r.commbenchRate.p99Us,
        requests: r.commbench.delivered,
        errors: 0,
      },
      {
        pattern: 'amqp',
        tool: 'plain amqplib loop',
        round,
        reqPerSec: r.plain.perSec,
        p50Us: r.plainRate.p50Us,
        p99Us: r.plainRate.p99Us,
        requests: r.plain.delivered,
        errors: 0,
      },
    ]);
  } catch (err) {
    say(notes, `amqp skipped: ${(err as Error).message} (RabbitMQ: apt-get install rabbitmq-server)`);
    return [];
  }
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** One row per pattern and tool: the median of each figure over its successful rounds. */
function summarize(rows: readonly Row[]): Row[] {
  const key = (r: Row) => `${r.pattern} ${r.tool}`;
  return [...new Set(rows.map(key))].map((k) => {
    const runs = rows.filter((r) => key(r) === k);
    const first = runs[0] as Row;
    const ok = runs.filter((r) => r.failure === undefined);
    if (ok.length === 0)
      return { pattern: first.pattern, tool: first.tool, runs: 0, failure: first.failure ?? 'no run' };
    const med = (f: (r: Row) => number | undefined) =>
      median(ok.map(f).filter((v): v is number => v !== undefined));
    return {
      pattern: first.pattern,
      tool: first.tool,
      runs: ok.length,
      reqPerSec: med((r) => r.reqPerSec),
      p50Us: med((r) => r.p50Us),
      p99Us: med((r) => r.p99Us),
      requests: ok.reduce((sum, r) => sum + (r.requests ?? 0), 0),
      errors: ok.reduce((sum, r) => sum + (r.errors ?? 0), 0),
      driverCpuUsPerReq: med((r) => r.driverCpuUsPerReq),
      driverSysUsPerReq: med((r) => r.driverSysUsPerReq),
      serverCpuUsPerReq: med((r) => r.serverCpuUsPerReq),
      driverCores: med((r) => r.driverCores),
      serverCores: med((r) => r.serverCores),
      otherCores: med((r) => r.otherCores),
      notes: [...new Set(ok.flatMap((r) => r.notes ?? []))],
    };
  });
}

/** The goals of issue 10, each commbench row against its group's reference tool. */
function ratios(summary: readonly Row[], rows: readonly Row[], rounds: number): Ratio[] {
  const out: Ratio[] = [];
  const find = (set: readonly Row[], pattern: string, tool: string, round?: number) =>
    set.find(
      (r) =>
        r.pattern === pattern &&
        r.tool === tool &&
        r.failure === undefined &&
        (round === undefined || r.round === round),
    );
  const value = (r: Row | undefined, metric: Ratio['metric']): number | undefined =>
    metric === 'cpu' ? r?.driverCpuUsPerReq : metric === 'rps' ? r?.reqPerSec : r?.p50Us;
  const compare = (metric: Ratio['metric'], a: number, b: number): number | undefined =>
    metric === 'p50' ? Math.abs(a - b) : b > 0 ? a / b : undefined;
  const add = (
    pattern: string,
    numerator: string,
    denominator: string,
    metric: Ratio['metric'],
    goal: number,
  ): void => {
    const a = value(find(summary, pattern, numerator), metric);
    const b = value(find(summary, pattern, denominator), metric);
    if (a === undefined || b === undefined) return;
    const ratio = compare(metric, a, b);
    if (ratio === undefined) return;
    const perRound: number[] = [];
    // The amqp row has rounds of its own (bench/amqp.ts).
    const roundCount = Math.max(
      rounds,
      ...rows.filter((r) => r.pattern === pattern).map((r) => (r.round ?? 0) + 1),
    );
    for (let round = 0; round < roundCount; round++) {
      const x = value(find(rows, pattern, numerator, round), metric);
      const y = value(find(rows, pattern, denominator, round), metric);
      const r = x !== undefined && y !== undefined ? compare(metric, x, y) : undefined;
      if (r !== undefined) perRound.push(r);
    }
    const met = metric === 'rps' ? ratio >= goal : ratio <= goal;
    out.push({ pattern, numerator, denominator, metric, ratio, perRound, goal, met });
  };
  const commbenchRows = (pattern: string) =>
    summary.filter((r) => r.pattern === pattern && r.tool.startsWith('commbench')).map((r) => r.tool);
  for (const tool of commbenchRows('rest')) {
    add('rest', tool, 'wrk', 'cpu', 1.5);
    add('rest', tool, 'wrk', 'rps', 1);
    add('rest', tool, 'autocannon', 'rps', 1);
  }
  for (const tool of commbenchRows('grpc')) {
    add('grpc', tool, 'h2load', 'cpu', 2);
    add('grpc', tool, 'h2load', 'rps', 0.8);
  }
  for (const tool of commbenchRows('websocket')) add('websocket', tool, 'plain ws loop', 'cpu', 1.5);
  for (const tool of commbenchRows('tcp')) add('tcp', tool, 'plain node:net loop', 'cpu', 1.2);
  for (const tool of commbenchRows('amqp')) add('amqp', tool, 'plain amqplib loop', 'rps', 0.95);
  for (const rate of openRates) {
    const g = `open ${rate}/s`;
    for (const tool of commbenchRows(g)) add(g, tool, 'wrk2', 'cpu', tool.endsWith('spin') ? 100 : 3);
  }
  for (const tool of commbenchRows('rest 5ms c=1')) add('rest 5ms c=1', tool, 'wrk', 'p50', 100);
  for (const tool of commbenchRows('rest 0ms c=1')) add('rest 0ms c=1', tool, 'wrk', 'p50', 50);
  return out;
}

function describeRatio(r: Ratio, rounds: number): string {
  const fmt = (x: number) => (r.metric === 'p50' ? `${(x / 1000).toFixed(3)} ms` : `${x.toFixed(2)}×`);
  const what =
    r.metric === 'cpu'
      ? `driver CPU/req ${r.numerator} ÷ ${r.denominator} = ${fmt(r.ratio)} (goal ≤ ${r.goal}×)`
      : r.metric === 'rps'
        ? `req/s ${r.numerator} ÷ ${r.denominator} = ${fmt(r.ratio)} (goal ≥ ${r.goal}×)`
        : `p50 |${r.numerator} − ${r.denominator}| = ${fmt(r.ratio)} (goal ≤ ${(r.goal / 1000).toFixed(2)} ms)`;
  const perRound = rounds > 1 || r.perRound.length > 1 ? `; per round ${r.perRound.map(fmt).join(', ')}` : '';
  return `${r.met ? 'goal met   ' : 'goal MISSED'}  ${r.pattern}: ${what}${perRound}`;
}

function renderTable(rows: readonly Row[]): string {
  const reference = (pattern: string) =>
    rows.find((r) => r.pattern === pattern && r.tool.startsWith('commbench') && r.failure === undefined)
      ?.reqPerSec;
  const header = [
    'pattern',
    'tool',
    'req/s',
    'p50',
    'p99',
    'driver CPU/req (sys)',
    'server CPU/req',
    'driver cores',
    'other load',
    'errors',
    'first commbench ÷ this',
  ];
  const num = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits));
  const lines = rows.map((r) => {
    if (r.failure !== undefined) return [r.pattern, r.tool, `failed: ${r.failure.slice(0, 100)}`];
    const ref = reference(r.pattern);
    return [
      r.pattern,
      r.tool,
      Math.round(r.reqPerSec ?? 0).toLocaleString('en-US'),
      formatMicros(r.p50Us ?? NaN),
      formatMicros(r.p99Us ?? NaN),
      r.driverCpuUsPerReq === undefined
        ? '-'
        : `${num(r.driverCpuUsPerReq, 1)} µs (${num(r.driverSysUsPerReq, 1)})`,
      r.serverCpuUsPerReq === undefined ? '-' : `${num(r.serverCpuUsPerReq, 1)} µs`,
      num(r.driverCores, 2),
      r.otherCores === undefined ? '-' : `${num(r.otherCores, 2)} cores`,
      String(r.errors ?? 0),
      ref === undefined || !r.reqPerSec ? '' : `${(ref / r.reqPerSec).toFixed(2)}×`,
    ];
  });
  const all = [header, ...lines.filter((l) => l.length === header.length)];
  const widths = header.map((_, i) => Math.max(...all.map((l) => (l[i] ?? '').length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const fmt = (l: string[]) =>
    l
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

async function main(): Promise<number> {
  const { config, patterns, grpcWorkers, rounds } = readConfig();
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++interrupts > 1) {
      killAllServers();
      process.exit(130);
    }
    process.stderr.write(`\n${sig}: stopping the running tool and the server (again to force)\n`);
    abort.abort(sig);
    stopCurrentTool();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const files = await writePayloads(config.size, 'mixed');
  const notes: string[] = [
    `payload: ${files.jsonBytes} B JSON (rest) / ${files.grpcFrame.length} B gRPC message (grpc), the same mixed record for every tool (commbench varies only the seq field per request)`,
    `each tool: ${config.connections} connections (latency groups: 1), ${config.warmupS}s warm-up (commbench, autocannon -W, h2load --warm-up-time in-process; wrk a separate run), ${config.durationS}s measured, one after another on the same server process`,
    "driver/server CPU per request: /proc/<pid>/stat utime+stime (all threads) over the steady part of the measured run ÷ the req/s the tool reports; (sys) = the kernel part; the driver and the server share this machine's cores; other load = CPU the rest of the machine used meanwhile (/proc/stat less driver and server): noise",
  ];
  if (config.cpuProfDir) {
    await mkdir(config.cpuProfDir, { recursive: true });
    notes.push(`commbench driver CPU profiles in ${config.cpuProfDir} (profiling slows the driver)`);
  }
  const rows: Row[] = [];
  try {
    for (const group of patterns.flatMap((p) => groupsOf(p, config.connections))) {
      if (abort.signal.aborted) break;
      rows.push(...(await benchGroup(group, files, config, grpcWorkers, rounds, abort.signal, notes)));
    }
  } finally {
    await files.remove();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  if (patterns.includes('amqp') && !abort.signal.aborted) rows.push(...(await benchAmqpRows(config, notes)));

  const summary = summarize(rows);
  const rs = ratios(summary, rows, rounds);
  if (rounds > 1) notes.push(`${rounds} rounds (order reversed every other round); the table shows medians`);
  const out: string[] = ['', renderTable(summary), ''];
  for (const r of rs) out.push(describeRatio(r, rounds));
  const load = loadavg();
  out.push(
    '',
    `load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${load.map((l) => l.toFixed(2)).join(' ')} (${cpus().length} cores)`,
  );
  out.push('', ...notes.map((n) => `note: ${n}`));
  for (const r of summary) for (const n of r.notes ?? []) out.push(`note: ${r.pattern} ${r.tool}: ${n}`);
  process.stdout.write(out.join('\n') + '\n');

  const resultsDir = join(benchDir, 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const json = {
    kind: 'commbench-self-bench',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    interrupted: abort.signal.aborted,
    environment: describeEnvironment(),
    config: { ...config, rounds, grpcWorkers },
    payload: { jsonBytes: files.jsonBytes, grpcBytes: files.grpcFrame.length, shape: 'mixed' },
    loadAverage: { start: loadAtStart, end: loadavg() },
    summary,
    runs: rows,
    ratios: rs,
    notes,
  };
  await writeFile(file, JSON.stringify(json, null, 2) + '\n');
  process.stderr.write(`result: ${file}\n`);
  return abort.signal.aborted ? 130 : rows.some((r) => r.failure !== undefined) ? 1 : 0;
}

process.exitCode = await main();
