import { join } from 'node:path';
import type { Command } from 'commander';
import { writeReports } from './report.js';
import { CommbenchError, ExitCode, isCommbenchError } from '../errors.js';
import { runPlan } from '../engine/runner.js';
import { packageVersion } from '../paths.js';
import { brokerEnvVar, brokerKindFor, brokerKinds, redactCredentials } from '../brokers/index.js';
import { redactSecrets, requestSecrets } from '../patterns/request/env.js';
import { createProgress } from '../report/progress.js';
import { addRequestFlags, applyRequestFlags, requestFromFlags, type RequestFlags } from './request-flags.js';
import { parseFormats } from '../report/formats.js';
import { renderTable } from '../report/table.js';
import type { Result, ShardInfo } from '../result/types.js';
import { parseShard, parseStartAt, shardPlan } from './shard.js';
import { onInterrupt } from './interrupt.js';
import { useColor } from './style.js';
import { defaultResultPath, resolveOutPath, writeResultSafely } from '../result/io.js';
import { estimatePlanMs, loadPlan, type Overrides } from '../scenario/index.js';
import { durationHelp, formatDurationMs, sizeHelp } from '../units.js';

interface RunFlags {
  duration?: string;
  warmup?: string;
  connections?: string;
  rate?: string;
  payload?: string;
  pattern?: string[];
  repeat?: string;
  workers?: string;
  processes?: string;
  pacing?: string;
  timeout?: string;
  target?: string[];
  brokerUrl?: string[];
  out?: string;
  resultsDir: string;
  color?: boolean;
  format?: string;
  shard?: string;
  startAt?: string;
  histogram?: boolean;
  otlp?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `commbench run SCENARIO`: runs every case, writes the result JSON, prints the table. */
export function registerRun(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('run')
    .description('run a scenario (built-in name or file) and write its result')
    .argument('<scenario>', 'built-in scenario name (see commbench list) or a .yaml/.json file')
    .option('--duration <duration>', `measured time per case and repetition, ${durationHelp}`)
    .option('--warmup <duration>', 'unmeasured time before each repetition')
    .option('--connections <n>', 'connections (clients) per case')
    .option('--rate <ops/s>', 'open-loop constant arrival rate (switches every case to the rate model)')
    .option('--payload <size>', `payload size, ${sizeHelp}`)
    .option('--pattern <name>', 'run only cases of this pattern (repeatable, or comma-separated)', collect)
    .option('--repeat <n>', 'repetitions per case (kept separately in the result)')
    .option('--workers <n>', 'driver worker threads per case (histograms merged exactly)')
    .option(
      '--processes <n|auto>',
      "driver processes per case, each with its own open-file limit (histograms merged exactly); 'auto': as many as the connections need",
    )
    .option(
      '--pacing <strategy>',
      'open loops: auto | spin | sleep — how the driver waits for due times (auto: spin only with a core to itself)',
    )
    .option('--timeout <duration>', 'per-operation timeout')
    .option(
      '--target <pattern=url>',
      'drive an existing server instead of starting one, e.g. rest=http://127.0.0.1:8080',
      collect,
    )
    .option(
      '--broker-url <broker=url>',
      'use this broker for a queue pattern instead of starting a throwaway one, e.g. amqp=amqp://user:pass@127.0.0.1:5672',
      collect,
    )
    .option(
      '--out <file>',
      'result file, or a folder to write it in (default: <results-dir>/<scenario>-<timestamp>.json)',
    )
    .option('--results-dir <dir>', 'folder for result files', 'results')
    .option('--no-color', 'plain output')
    .option(
      '--format <formats>',
      'also write these reports beside the result, e.g. markdown,html (see commbench report)',
    )
    .option('--histogram', 'print a latency histogram of each repetition as it ends (stderr)')
    .option(
      '--shard <i/N>',
      "scale-out: run share i (0-based) of N of every case's connections and rate; join with commbench merge",
    )
    .option(
      '--start-at <time>',
      'scale-out: start the first case at this ISO time or epoch ms (every shard the same)',
    )
    .option(
      '--otlp <url>',
      'push OpenTelemetry metrics during the run to this OTLP/HTTP collector, e.g. http://127.0.0.1:4318',
    );
  addRequestFlags(command).action(async (scenario: string, flags: RunFlags & RequestFlags) => {
    setExit(await runCommand(scenario, flags));
  });
}

function parseTargets(entries: readonly string[] | undefined): Record<string, string> | undefined {
  if (!entries) return undefined;
  const targets: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    targets[eq < 0 ? '' : entry.slice(0, eq)] = eq < 0 ? entry : entry.slice(eq + 1);
  }
  return targets;
}

/** `--broker-url amqp=URL` (or rabbitmq=, redis=, redis-streams=, nats=) → COMMBENCH_<KIND>_URL entries. */
function parseBrokerUrls(entries: readonly string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=');
    const kind = eq < 0 ? undefined : brokerKindFor(entry.slice(0, eq));
    const url = entry.slice(eq + 1);
    if (kind === undefined) {
      problems.push(
        `--broker-url ${entry}: expected broker=url with broker one of ${brokerKinds.join(', ')} (or its pattern)`,
      );
    } else if (!URL.canParse(url)) {
      problems.push(`--broker-url ${redactCredentials(entry)}: invalid URL`);
    } else {
      env[brokerEnvVar(kind)] = url;
    }
  }
  if (problems.length > 0) {
    throw new CommbenchError('E_USAGE', 'invalid --broker-url', {
      details: problems,
      hint: 'e.g. --broker-url amqp=amqp://guest:guest@127.0.0.1:5672 --broker-url nats=nats://127.0.0.1:4222',
    });
  }
  return env;
}

/**
 * The result with every URL's user:password replaced by '***' (broker URLs, targets, error
 * messages), and the secrets of request blocks (credentials, `${ENV:…}` values).
 */
function redactResult(result: Result): Result {
  const secrets = result.cases.flatMap((c) => requestSecrets(c.spec.request));
  return JSON.parse(redactSecrets(redactCredentials(JSON.stringify(result)), secrets)) as Result;
}

async function runCommand(scenario: string, flags: RunFlags & RequestFlags): Promise<number> {
  const formats = flags.format === undefined ? [] : parseFormats(flags.format);
  const brokerEnv = parseBrokerUrls(flags.brokerUrl);
  const overrides: Overrides = {
    ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
    ...(flags.warmup !== undefined ? { warmup: flags.warmup } : {}),
    ...(flags.connections !== undefined ? { connections: flags.connections } : {}),
    ...(flags.rate !== undefined ? { rate: flags.rate } : {}),
    ...(flags.payload !== undefined ? { payload: flags.payload } : {}),
    ...(flags.pattern !== undefined ? { pattern: flags.pattern } : {}),
    ...(flags.repeat !== undefined ? { repeat: flags.repeat } : {}),
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
    ...(flags.processes !== undefined ? { processes: flags.processes } : {}),
    ...(flags.pacing !== undefined ? { pacing: flags.pacing } : {}),
    ...(flags.timeout !== undefined ? { timeout: flags.timeout } : {}),
    ...(flags.target !== undefined ? { target: parseTargets(flags.target) ?? {} } : {}),
  };
  const loaded = applyRequestFlags(
    await loadPlan(scenario, overrides, { warn: (w) => process.stderr.write(`${w}\n`) }),
    requestFromFlags(flags),
  );
  // Scale-out (--shard/--start-at): this load generator's share, started on a shared clock.
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const startAt = flags.startAt === undefined ? undefined : parseStartAt(flags.startAt);
  const plan = shard ? await shardPlan(loaded, shard) : loaded;
  let lateMs = 0;
  // Where the result goes is settled before the run: a measured run must not be lost at the end.
  const now = new Date();
  const out = await resolveOutPath(
    flags.out ?? join(flags.resultsDir, '/'),
    (folder) => defaultResultPath(folder, plan.name, now),
    flags.out === undefined ? '--results-dir' : '--out',
  );
  const otlp =
    flags.otlp === undefined
      ? undefined
      : // loaded only when asked for: the OpenTelemetry SDK is not needed by other runs
        new (await import('../export/otlp.js')).OtlpExport({
          url: flags.otlp,
          plan,
          version: packageVersion(),
        });
  const isTTY = process.stderr.isTTY === true;
  const progress = createProgress(process.stderr, isTTY, {
    cases: plan.cases,
    ...(flags.histogram === true ? { histogram: true } : {}),
  });
  process.stderr.write(
    `${plan.name}: ${plan.cases.length} case${plan.cases.length === 1 ? '' : 's'}, about ${formatDurationMs(
      Math.round(estimatePlanMs(plan) / 1000) * 1000,
    )}\n`,
  );

  if (startAt !== undefined) {
    const wait = startAt - Date.now();
    process.stderr.write(
      `${shard ? `shard ${shard.index}/${shard.count}: ` : ''}starting at ${new Date(startAt).toISOString()}` +
        `${wait > 0 ? ` (in ${formatDurationMs(Math.round(wait / 100) * 100)})` : ' (already past: starting now)'}\n`,
    );
  }
  const interrupt = onInterrupt(
    (signal) => `\n${signal}: stopping; the result keeps what was measured (again to force)\n`,
  );
  let result;
  const previousEnv = Object.keys(brokerEnv).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, brokerEnv);
  try {
    result = await runPlan(plan, {
      signal: interrupt.signal,
      ...(startAt !== undefined ? { startAt } : {}),
      hooks: {
        loadStarting: (_spec, _rep, at) => {
          lateMs = Math.max(lateMs, Math.round(at.startAtEpoch - at.scheduledEpoch));
        },
        caseStarted: (spec, index, total, repetition) => progress.caseStarted(spec, index, total, repetition),
        tick: (_spec, p) => {
          otlp?.tick(_spec, p);
          progress.tick({
            elapsedMs: p.elapsedMs,
            phase: p.phase,
            ops: p.ops,
            opsPerSec: p.opsPerSec,
            p99Us: p.p99,
            errors: p.errors,
          });
        },
        caseFinished: (caseResult) => {
          otlp?.caseFinished(caseResult);
          progress.caseFinished(caseResult);
        },
      },
    });
  } finally {
    for (const [k, v] of previousEnv) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    interrupt.release();
    progress.close();
    const otlpWarning = await otlp?.shutdown();
    if (otlpWarning !== undefined) process.stderr.write(`${otlpWarning}\n`);
  }
  result = redactResult(result);
  if (shard) {
    const info: ShardInfo = {
      ...shard,
      ...(startAt !== undefined ? { startAt: new Date(startAt).toISOString(), lateMs } : {}),
    };
    result = { ...result, shard: info };
  }
  const tty = process.stdout.isTTY === true;
  const table = (): void => {
    process.stdout.write(
      renderTable(result, {
        color: useColor(process.stdout, flags.color),
        ...(tty ? { width: process.stdout.columns } : {}),
      }) + '\n',
    );
  };
  // Written before anything else can fail; if no folder at all takes it, the table still shows it.
  const written = await writeResultSafely(out, result).catch((err: unknown) => {
    table();
    throw err;
  });
  table();
  if (written.failed) {
    process.stderr.write(
      `commbench: ${written.failed.message}; the result was saved to ${written.path} instead\n`,
    );
  }
  process.stderr.write(`result: ${written.path}\n`);
  let reportFailure: CommbenchError | undefined;
  try {
    const base = written.path.replace(/\.json$/i, '');
    for (const path of await writeReports(result, formats, base, undefined, written.path))
      process.stderr.write(`report: ${path}\n`);
  } catch (err) {
    if (!isCommbenchError(err)) throw err;
    reportFailure = err;
    process.stderr.write(`commbench: ${err.message}; the result is complete at ${written.path}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}; \`commbench report\` renders it again\n`);
  }
  const code = exitCodeOf(result);
  if (code !== ExitCode.ok) return code;
  return (written.failed ?? reportFailure) ? ExitCode.environment : code;
}

const environmentErrors = new Set(['E_TARGET_UNREACHABLE', 'E_PORT_IN_USE', 'E_SERVER_START']);

/** Each distinct error once, with the cases that had it ('rest, grpc: …' or '3 cases: …'). */
function distinctErrors(bad: Result['cases']): string[] {
  const byMessage = new Map<string, string[]>();
  for (const c of bad) {
    const message = c.error?.message ?? c.status;
    byMessage.set(message, [...(byMessage.get(message) ?? []), c.spec.id]);
  }
  return [...byMessage].map(([message, ids]) =>
    ids.length > 3 ? `${ids.length} cases (${ids[0]}, …): ${message}` : `${ids.join(', ')}: ${message}`,
  );
}

/** interrupted → 130; a case that could not run for environment reasons → 4; any other bad case → 3. */
function exitCodeOf(result: Result): number {
  if (result.endReason === 'interrupted') return ExitCode.interrupted;
  const bad = result.cases.filter((c) => c.status !== 'ok');
  if (bad.length === 0) return ExitCode.ok;
  process.stderr.write(
    `commbench: ${bad.length} of ${result.cases.length} cases did not complete: ${distinctErrors(bad).join(
      '; ',
    )}\nhint: the flags column and the result file have each case's error\n`,
  );
  return bad.some((c) => environmentErrors.has(c.error?.code ?? '')) ? ExitCode.environment : ExitCode.failed;
}
