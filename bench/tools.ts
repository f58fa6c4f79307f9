/**
 * The load generators compared: how each is started (same server, connections, duration and
 * body) and how its own report is read. Latencies in µs, as each tool reports them.
 */
import { readFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverOutput } from './driver.js';
import type { PayloadFiles } from './payload.js';
import type { ToolRun } from './proc.js';

export interface BenchConfig {
  readonly connections: number;
  /** Whole seconds. */
  readonly warmupS: number;
  readonly durationS: number;
  readonly size: number;
  /** Directory for --cpu-prof output of the commbench driver, when profiling. */
  readonly cpuProfDir?: string;
}

/** What a tool said about its measured run. */
export interface ToolReport {
  readonly reqPerSec: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Successful requests in the measured run. */
  readonly requests: number;
  readonly errors: number;
  readonly notes: readonly string[];
}

export interface Invocation {
  readonly command: string;
  readonly args: readonly string[];
}

export interface Tool {
  /** Label in the table, e.g. 'commbench client=net', 'commbench w=2', 'wrk'. */
  readonly label: string;
  readonly kind: 'commbench' | 'autocannon' | 'wrk' | 'h2load' | 'plain';
  /** The bench group (table section) this tool runs in, e.g. 'rest', 'rest 5ms c=1'. */
  readonly pattern: string;
  /** A separate unmeasured run first (tools without a warm-up phase of their own). */
  readonly warmup?: Invocation;
  readonly run: Invocation;
  /** Reads the tool's report; throws when it cannot be read. */
  parse(run: ToolRun): Promise<ToolReport>;
}

const repo = fileURLToPath(new URL('..', import.meta.url));

/** What a commbench row runs: the engine's pattern and its options (the row's label names them). */
export interface CommbenchCase {
  readonly pattern: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly workers?: number;
  /** Open loop at this rate (ops/s) with this pacing, instead of a closed loop. */
  readonly rate?: number;
  readonly pacing?: 'spin' | 'sleep';
}

/** 'commbench client=net w=2' from the options and worker count. */
export function commbenchLabel(c: CommbenchCase): string {
  const parts = ['commbench'];
  for (const [k, v] of Object.entries(c.options ?? {})) parts.push(`${k}=${String(v)}`);
  if ((c.workers ?? 1) > 1) parts.push(`w=${c.workers}`);
  if (c.rate !== undefined) parts.push(`${c.pacing ?? 'auto'}`);
  return parts.join(' ');
}

export function commbenchTool(group: string, url: string, c: CommbenchCase, config: BenchConfig): Tool {
  const label = commbenchLabel(c);
  const workers = c.workers ?? 1;
  const prof = config.cpuProfDir
    ? [
        '--cpu-prof',
        '--cpu-prof-dir',
        config.cpuProfDir,
        '--cpu-prof-name',
        `${`${group} ${label}`.replace(/[^\w=.-]+/g, '_')}.cpuprofile`,
      ]
    : [];
  return {
    label,
    kind: 'commbench',
    pattern: group,
    run: {
      command: process.execPath,
      args: [
        ...prof,
        '--import',
        'tsx',
        join(repo, 'bench', 'driver.ts'),
        '--pattern',
        c.pattern,
        '--options',
        JSON.stringify(c.options ?? {}),
        '--url',
        url,
        '--connections',
        String(config.connections),
        '--workers',
        String(workers),
        '--warmup-ms',
        String(config.warmupS * 1000),
        '--duration-ms',
        String(config.durationS * 1000),
        '--size',
        String(config.size),
        ...(c.rate === undefined ? [] : ['--rate', String(c.rate), '--pacing', c.pacing ?? 'auto']),
      ],
    },
    parse(run) {
      const out = driverOutput(run);
      if (out.status !== 'ok') throw new Error(`commbench driver: ${out.status} ${out.error ?? ''}`);
      const notes = [
        `engine's own driver CPU ${out.engineDriverCpuUsPerOp.toFixed(1)} µs/op (process.cpuUsage in its window)`,
        ...(out.limitedBy !== 'none' ? [`engine's verdict ${out.limitedBy}: ${out.limitedWhy}`] : []),
      ];
      return Promise.resolve({
        reqPerSec: out.throughput,
        p50Us: out.p50Us,
        p99Us: out.p99Us,
        requests: out.ops,
        errors: out.errors,
        notes,
      });
    },
  };
}

function driverOutput(run: ToolRun): DriverOutput {
  const line = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as DriverOutput;
}

/** bench/plain.ts: a hand-written loop (`ws` WebSocket or node:net) as the reference. */
export function plainTool(group: string, kind: 'ws' | 'tcp', url: string, config: BenchConfig): Tool {
  return {
    label: kind === 'ws' ? 'plain ws loop' : 'plain node:net loop',
    kind: 'plain',
    pattern: group,
    run: {
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        join(repo, 'bench', 'plain.ts'),
        '--kind',
        kind,
        '--url',
        url,
        '--connections',
        String(config.connections),
        '--warmup-ms',
        String(config.warmupS * 1000),
        '--duration-ms',
        String(config.durationS * 1000),
        '--size',
        String(config.size),
      ],
    },
    parse(run) {
      const out = driverOutput(run);
      return Promise.resolve({
        reqPerSec: out.throughput,
        p50Us: out.p50Us,
        p99Us: out.p99Us,
        requests: out.ops,
        errors: out.errors,
        notes: [],
      });
    },
  };
}

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { p50: number; p99: number };
}

export function autocannonTool(group: string, url: string, files: PayloadFiles, config: BenchConfig): Tool {
  // node_modules/.bin/autocannon is a link to autocannon.js; run it with this node so that the
  // PID we sample is the load generator itself, not a shell or env wrapper.
  const cli = realpathSync(join(repo, 'node_modules', '.bin', 'autocannon'));
  const c = String(config.connections);
  return {
    label: 'autocannon',
    kind: 'autocannon',
    pattern: group,
    run: {
      command: process.execPath,
      args: [
        cli,
        '--json',
        '-c',
        c,
        '-d',
        String(config.durationS),
        ...(config.warmupS > 0 ? ['-W', '[', '-c', c, '-d', String(config.warmupS), ']'] : []),
        '-m',
        'POST',
        '-H',
        'content-type=application/json',
        '-i',
        files.jsonFile,
        `${url}/echo`,
      ],
    },
    parse(run) {
      // With a warm-up autocannon prints two JSON lines; the last is the measured run.
      const line = run.stdout.trim().split('\n').pop() ?? '';
      const r = JSON.parse(line) as AutocannonJson;
      const errors = r.errors + r.timeouts + r.non2xx;
      return Promise.resolve({
        reqPerSec: r['2xx'] / r.duration,
        p50Us: r.latency.p50 * 1000,
        p99Us: r.latency.p99 * 1000,
        requests: r['2xx'],
        errors,
        notes: ['autocannon latency has 1 ms resolution'],
      });
    },
  };
}

export function wrkTool(group: string, url: string, files: PayloadFiles, config: BenchConfig): Tool {
  const common = ['-t1', `-c${config.connections}`, '-s', files.wrkScript];
  return {
    label: 'wrk',
    kind: 'wrk',
    pattern: group,
    ...(config.warmupS > 0
      ? { warmup: { command: 'wrk', args: [...common, `-d${config.warmupS}s`, `${url}/echo`] } }
      : {}),
    run: { command: 'wrk', args: [...common, `-d${config.durationS}s`, '--latency', `${url}/echo`] },
    parse(run) {
      const text = run.stdout;
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
      const total = /(\d+) requests in/.exec(text);
      const p50 = /^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
      const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
      if (!rps || !total || !p50 || !p99) throw new Error(`cannot read wrk's report:\n${text}`);
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
      const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
      return Promise.resolve({
        reqPerSec: Number(rps[1]),
        p50Us: micros(Number(p50[1]), p50[2] as string),
        p99Us: micros(Number(p99[1]), p99[2] as string),
        requests: Number(total[1]) - non2xx,
        errors: non2xx + socketErrors,
        notes: [],
      });
    },
  };
}

/**
 * wrk2 (giltene/wrk2: wrk with a constant-rate open loop, latency from the intended send time), the
 * open-loop reference. Not packaged by Debian or npm: found as \`wrk2\` on PATH or BENCH_WRK2=<path>.
 */
export function wrk2Tool(
  command: string,
  group: string,
  url: string,
  files: PayloadFiles,
  config: BenchConfig,
  rate: number,
): Tool {
  const common = ['-t1', `-c${config.connections}`, `-R${rate}`, '-s', files.wrkScript];
  const wrk = wrkTool(group, url, files, config);
  return {
    label: 'wrk2',
    kind: 'wrk',
    pattern: group,
    ...(config.warmupS > 0
      ? { warmup: { command, args: [...common, `-d${config.warmupS}s`, `${url}/echo`] } }
      : {}),
    // wrk2 calibrates for its first 10 s (+5 ms per connection) and records after that: the measured
    // part is the last durationS seconds of the run, as for the other tools.
    run: {
      command,
      args: [
        ...common,
        `-d${config.durationS + 10 + Math.ceil((config.connections * 5) / 1000)}s`,
        '--latency',
        `${url}/echo`,
      ],
    },
    // wrk2 prints '50.000%' where wrk prints '50%'.
    parse: (run) => wrk.parse({ ...run, stdout: run.stdout.replace(/^(\s+\d+)\.0+%/gm, '$1%') }),
  };
}

export function h2loadTool(group: string, url: string, files: PayloadFiles, config: BenchConfig): Tool {
  const logFile = join(files.dir, 'h2load.log');
  const target = new URL('/commbench.echo.v1.Echo/Unary', url.replace(/^grpc:/, 'http:')).href;
  return {
    label: 'h2load',
    kind: 'h2load',
    pattern: group,
    run: {
      command: 'h2load',
      args: [
        '-t',
        '1',
        '-c',
        String(config.connections),
        '-m',
        '1',
        '-D',
        String(config.durationS),
        ...(config.warmupS > 0 ? ['--warm-up-time', String(config.warmupS)] : []),
        '-d',
        files.grpcFile,
        '-H',
        'content-type: application/grpc',
        '-H',
        'te: trailers',
        '--log-file',
        logFile,
        target,
      ],
    },
    async parse(run) {
      const text = run.stdout;
      const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(text);
      const req =
        /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
          text,
        );
      const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(text);
      if (!rps || !req || !codes) throw new Error(`cannot read h2load's report:\n${text}`);
      // Log lines: start time (µs since epoch), HTTP status, request time (µs). Status 0 = stopped
      // in flight at the end.
      const durations: number[] = [];
      for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
        const [, status, us] = line.split('\t');
        if (status === '200') durations.push(Number(us));
      }
      durations.sort((a, b) => a - b);
      return {
        reqPerSec: Number(rps[1]),
        p50Us: percentile(durations, 50),
        p99Us: percentile(durations, 99),
        requests: Number(req[4]),
        errors: Number(req[5]) + Number(req[6]) + Number(req[7]),
        notes: [
          'h2load counts HTTP 200 as success and cannot check grpc-status per response (checked once before the run); p50/p99 from its --log-file',
        ],
      };
    },
  };
}

function micros(value: number, unit: string): number {
  return unit === 'us' ? value : unit === 'ms' ? value * 1000 : value * 1e6;
}

/** Nearest-rank percentile of sorted values (0 when empty). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}
