import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { examples } from './list.js';
import type { Command } from 'commander';
import { writeReports } from './report.js';
import { CommbenchError, ExitCode, isCommbenchError } from '../errors.js';
import { runPlan } from '../engine/runner.js';
import { loadDefinition } from '../engine/load/registry.js';
import { serverPidOf, type ServerPids } from '../engine/server-pid.js';
import type { CaseSpec } from '../plan/types.js';
import { isRunning } from '../proc/usage.js';
import { packageVersion } from '../paths.js';
import { brokerEnvVar, brokerKinds, redactCredentials } from '../brokers/index.js';
import { brokerKindFor } from '../patterns/registry.js';
import { redactSecrets, requestSecrets } from '../toolkit/request/env.js';
import { requestProblems } from '../toolkit/request/preflight.js';
import { createProgress } from '../report/progress.js';
import { addRequestFlags, applyRequestFlags, requestFromFlags, type RequestFlags } from './request-flags.js';
import { parseFormats, type ReportFormat } from '../report/formats.js';
import { renderTable } from '../report/table.js';
import type { Result, ShardInfo } from '../result/types.js';
import { parseShard, parseStartAt, shardPlan, type Shard } from './shard.js';
import { onInterrupt } from './interrupt.js';
import { openInBrowser } from './open.js';
import { addTableFlags, tableOptions, useColor, type TableFlags } from './style.js';
import type { TableOptions } from '../report/table.js';
import { renderJson } from '../result/json.js';
import { renderSummaryJson } from '../report/summary-json.js';
import { claimOutPath, numberedResultPath, writeResultSafely } from '../result/io.js';
import { estimatePlanMs, loadPlan, type Overrides } from '../scenario/index.js';
import type { Plan } from '../plan/types.js';
import { durationHelp, formatDurationMs, sizeHelp } from '../units.js';

interface RunFlags extends TableFlags {
  open?: boolean;
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
  serverPid?: string[];
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
    .addHelpText(
      'after',
      examples([
        'commbench run smoke',
        'commbench run rest-vs-grpc --payload 1KiB --repeat 3 --format markdown,html',
        'commbench run smoke --pattern rest --rate 2000 --duration 5s',
        'commbench run my-scenario.yaml --columns p50,p99,payload,srv-cpu',
        'commbench run smoke --pattern tcp --out - --no-color',
      ]),
    )
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
      '--server-pid <[pattern=]pid>',
      "with --target: measure this process's CPU and memory (and its children's) as the server's, e.g. --server-pid $(pgrep -o nginx)",
      collect,
    )
    .option(
      '--broker-url <broker=url>',
      'use this broker for a queue pattern instead of starting a throwaway one, e.g. amqp=amqp://user:pass@127.0.0.1:5672',
      collect,
    )
    .option(
      '--out <file>',
      "result file, or a folder to write it in, or '-' for stdout (the table then goes to stderr) (default: <results-dir>/<scenario>-<timestamp>.json)",
    )
    .option('--results-dir <dir>', 'folder for result files', 'results')
    .option('--no-color', 'plain output')
    .option(
      '--format <formats>',
      'also write these reports beside the result, e.g. markdown,html (see commbench report)',
    )
    .option(
      '--open',
      'with --format html: open the report in your browser ($BROWSER, else the system opener)',
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
  addRequestFlags(addTableFlags(command)).action(async (scenario: string, flags: RunFlags & RequestFlags) => {
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

/**
 * `--server-pid 4242` (every --target case) or `--server-pid rest=4242` (that pattern's cases): each
 * an integer naming a running process. E_USAGE (exit 2) lists every problem.
 */
function parseServerPids(entries: readonly string[] | undefined): ServerPids | undefined {
  if (!entries) return undefined;
  if (!existsSync('/proc/self/stat')) {
    throw new CommbenchError(
      'E_USAGE',
      '--server-pid reads the process from /proc, which this system lacks',
      {
        hint: 'measure on Linux, or leave --server-pid out (latency and throughput are measured without it)',
      },
    );
  }
  const pids: Record<string, number> = {};
  const problems: string[] = [];
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const pattern = eq < 0 ? '' : entry.slice(0, eq).trim();
    const text = (eq < 0 ? entry : entry.slice(eq + 1)).trim();
    const pid = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(pid > 0)) problems.push(`--server-pid ${entry}: ${JSON.stringify(text)} is not a process id`);
    else if (!isRunning(pid)) problems.push(`--server-pid ${entry}: no process ${pid} is running`);
    else if (pattern in pids)
      problems.push(`--server-pid ${entry}: ${pattern || 'a pid for every case'} is given twice`);
    else pids[pattern] = pid;
  }
  if (problems.length > 0) {
    throw new CommbenchError('E_USAGE', problems.length === 1 ? problems[0]! : 'invalid --server-pid', {
      ...(problems.length > 1 ? { details: problems } : {}),
      hint: 'give the id of the running server process you --target, e.g. --server-pid "$(pgrep -o nginx)" or --server-pid rest=4242',
    });
  }
  return pids;
}

/**
 * --server-pid names a server of --target cases: the plan must have them, one of each named pattern.
 * Connection-cost cases read the server's memory and descriptors from a server commbench started:
 * with a --server-pid only, they say on stderr that it is not read there.
 */
function checkServerPids(pids: ServerPids, cases: readonly CaseSpec[]): void {
  const targeted = new Set(cases.filter((c) => c.target !== undefined).map((c) => c.pattern));
  if (targeted.size === 0) {
    throw new CommbenchError('E_USAGE', '--server-pid: no case drives a server commbench did not start', {
      hint: 'use it with --target (e.g. --target rest=http://127.0.0.1:8080 --server-pid 4242); the servers commbench starts are measured already',
    });
  }
  const unused = Object.keys(pids).filter((p) => p !== '' && !targeted.has(p));
  if (unused.length > 0) {
    throw new CommbenchError(
      'E_USAGE',
      `--server-pid ${unused.join(', ')}: no --target case of that pattern`,
      {
        hint: `the --target cases are ${[...targeted].join(', ')}`,
      },
    );
  }
  const holds = cases.filter((c) => serverPidOf(c, pids) !== undefined && loadDefinition(c.load).hold);
  if (holds.length > 0) {
    process.stderr.write(
      `--server-pid is not read for connection-cost cases (${holds.map((c) => c.id).join(', ')}): their server figures need a server commbench started\n`,
    );
  }
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
  const tableOpts = tableOptions(flags); // a misspelled --columns fails before the run, not after
  const toStdout = flags.out === '-';
  if (toStdout && (formats.length > 0 || flags.json)) {
    throw new CommbenchError(
      'E_USAGE',
      `--out - prints the result on stdout, so it cannot also take ${formats.length > 0 ? '--format' : '--json'}`,
      {
        hint: 'write the result to a file (--out r.json) for --format, or drop --out - for --json',
      },
    );
  }
  const brokerEnv = parseBrokerUrls(flags.brokerUrl);
  const serverPids = parseServerPids(flags.serverPid);
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
    (w) => process.stderr.write(`${w}\n`),
  );
  // Scale-out (--shard/--start-at): this load generator's share, started on a shared clock.
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const startAt = flags.startAt === undefined ? undefined : parseStartAt(flags.startAt);
  const plan = shard ? await shardPlan(loaded, shard) : loaded;
  if (serverPids) checkServerPids(serverPids, plan.cases);
  // What only the run would find (a missing file, an unset ${ENV:…}, a header with a line break): before anything starts.
  checkRequests(plan);
  // Where the result goes is settled before the run: a measured run must not be lost at the end.
  const now = new Date();
  // Claimed now (a lock beside it): another run started meanwhile takes another name or is refused.
  const claim = toStdout
    ? undefined
    : await claimOutPath(
        flags.out ?? join(flags.resultsDir, '/'),
        (folder, n) => numberedResultPath(folder, plan.name, now, n),
        flags.out === undefined ? '--results-dir' : '--out',
      );
  try {
    return await measureAndWrite(plan, claim?.path ?? '-', flags, formats, brokerEnv, {
      shard,
      startAt,
      serverPids,
      toStdout,
      tableOpts,
    });
  } finally {
    await claim?.release();
  }
}

async function measureAndWrite(
  plan: Plan,
  out: string,
  flags: RunFlags & RequestFlags,
  formats: readonly ReportFormat[],
  brokerEnv: Record<string, string>,
  how: {
    shard: Shard | undefined;
    startAt: number | undefined;
    serverPids: ReturnType<typeof parseServerPids>;
    toStdout: boolean;
    tableOpts: TableOptions;
  },
): Promise<number> {
  const { shard, startAt, serverPids, toStdout, tableOpts } = how;
  let lateMs = 0;
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
      ...(serverPids ? { serverPids } : {}),
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
  if (toStdout) {
    // `--out -`: the result on stdout (for a pipe), the table for the reader on stderr.
    process.stdout.write(renderJson(result));
    process.stderr.write(
      renderTable(result, { ...tableOpts, color: useColor(process.stderr, flags.color) }) + '\n',
    );
    return exitCodeOf(result);
  }
  const table = (path?: string): void => {
    process.stdout.write(
      flags.json ? renderSummaryJson(result, path) : renderTable(result, tableOpts) + '\n',
    );
  };
  // Written before anything else can fail; if no folder at all takes it, the table still shows it.
  const written = await writeResultSafely(out, result).catch((err: unknown) => {
    table();
    throw err;
  });
  table(written.path);
  if (written.failed) {
    process.stderr.write(
      `commbench: ${written.failed.message}; the result was saved to ${written.path} instead\n`,
    );
  }
  process.stderr.write(`result: ${written.path}\n`);
  let reportFailure: CommbenchError | undefined;
  try {
    const base = written.path.replace(/\.json$/i, '');
    const reports = await writeReports(result, formats, base, undefined, written.path);
    for (const path of reports) process.stderr.write(`report: ${path}\n`);
    const html = reports.find((p) => p.endsWith('.html'));
    if (flags.open && html !== undefined) await openInBrowser(html);
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

/** Throws E_USAGE listing every problem of the plan's request blocks (each once, with its cases). */
function checkRequests(plan: Plan): void {
  const byProblem = new Map<string, string[]>();
  for (const c of plan.cases) {
    for (const problem of c.request ? requestProblems(c.request) : [])
      byProblem.set(problem, [...(byProblem.get(problem) ?? []), c.id]);
  }
  if (byProblem.size === 0) return;
  const cases = (ids: readonly string[]): string =>
    plan.cases.length === 1 ? '' : ` (${ids.length > 3 ? `${ids.length} cases` : ids.join(', ')})`;
  const [first] = [...byProblem];
  throw new CommbenchError(
    'E_USAGE',
    byProblem.size === 1 && first
      ? `${first[0]}${cases(first[1])}`
      : `${byProblem.size} problems with the request`,
    {
      ...(byProblem.size > 1 ? { details: [...byProblem].map(([p, ids]) => `${p}${cases(ids)}`) } : {}),
      hint:
        'paths in a scenario file are relative to that file, on the command line to the current directory; ' +
        '${ENV:NAME} needs NAME exported; header values are one line',
    },
  );
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
