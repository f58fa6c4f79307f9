import { verdictForLoad } from './verdict.js';
import type { RunningBroker } from '../brokers/index.js';
import { brokerOfCase, startRunBrokers } from '../brokers/run.js';
import { CommbenchError, isCommbenchError } from '../errors.js';
import { collectGarbage } from '../metrics/gc.js';
import { machineBusyUs, machineCores } from '../metrics/machine.js';
import { packageVersion } from '../paths.js';
import { allowedCpus, openFilesLimit, readPlacement } from '../proc/placement.js';
import { obtainableNofile, pinThisProcess } from '../proc/spawn.js';
import { brokerOf, brokersFor, casePushes, loadPattern } from '../patterns/registry.js';
import type { CaseResult, CaseStatus, Measurement, Result } from '../result/types.js';
import { schemaVersion } from '../result/types.js';
import type { CaseSpec, Plan } from '../plan/types.js';
import { epochNow, fromEpoch } from './clock.js';
import { loadDefinition } from './load/registry.js';
import { connectDriver, type DriverSpec, type Progress } from './driver.js';
import { describeEnvironment } from './environment.js';
import { mergeMeasurements } from './aggregate.js';
import { holdConnections } from './hold.js';
import { measure, type WindowUsage } from './measure.js';
import { noSuccessReason } from '../result/success.js';
import { pidUsageSource, serverPidOf, type ServerPids, type ServerUsageSource } from './server-pid.js';
import {
  startServerProcesses,
  type HelperUsage,
  type ServerProcess,
  type ServerUsage,
} from './server-host.js';
import { choosePacing } from './pacing.js';
import { connectProcessDrivers } from './processes.js';
import { driverProcesses } from './process-count.js';
import { procUsage } from '../proc/usage.js';
import { sourceAddressCount } from './sources.js';
import { connectWorkerDrivers, splitSpec, type GroupReports } from './workers.js';

/** Callbacks for live output; all optional. */
export interface RunHooks {
  /** A repetition of a case begins (`repetition` 0-based; with repeat > 1 cases run in rounds). */
  caseStarted?(spec: CaseSpec, index: number, total: number, repetition: number): void;
  repetitionStarted?(spec: CaseSpec, repetition: number): void;
  /** The case's server process is up (not called for --target runs). */
  serverStarted?(spec: CaseSpec, server: { readonly pid: number; readonly url: string }): void;
  tick?(spec: CaseSpec, progress: Progress): void;
  /** A repetition ended; `result` holds the case's repetitions so far. */
  caseFinished?(result: CaseResult, index: number, total: number): void;
  /** With `startAt`: a repetition's load starts at `startAtEpoch`, its slot began at `scheduledEpoch` (epoch ms). */
  loadStarting?(
    spec: CaseSpec,
    repetition: number,
    at: { startAtEpoch: number; scheduledEpoch: number },
  ): void;
}

export interface RunOptions {
  /** Aborting stops the current case within a second; the result keeps what was measured. */
  readonly signal?: AbortSignal;
  readonly hooks?: RunHooks;
  /** Interface the started servers listen on. */
  readonly serverHost?: string;
  /**
   * Scale-out: wall-clock time (epoch ms) the first repetition's load starts at. Each later
   * repetition gets a slot `warmup + duration + slotGapMs` after the previous one, so load
   * generators started with the same plan and time run every case side by side.
   */
  readonly startAt?: number;
  /**
   * --target cases: the process serving them (--server-pid), whose CPU and peak RSS are measured
   * over each window from /proc and stored as the server's figures.
   */
  readonly serverPids?: ServerPids;
}

/** With `startAt`: time between one repetition's slot ending and the next one's starting (server restart, connect), ms. */
export const slotGapMs = 2000;
/** With `startAt`: how long before its slot a repetition starts its server and connects, ms. */
const prepareMs = 1500;

/** How long after its window and drain a driver process may take to report before it counts as hung, ms. */
const reportGraceMs = 5000;

/** Lead time between the drivers being connected and the load starting, ms. */
const startLeadMs = 50;

/**
 * Runs every case of a plan; never throws for a failing case (it is recorded). With repetitions,
 * the plan runs in rounds — every case's first repetition, then every case's second, ... — so a
 * change in the machine's state over time spreads across cases instead of shifting one of them
 * (which `compare` would otherwise read as a regression).
 */
export async function runPlan(plan: Plan, opts: RunOptions = {}): Promise<Result> {
  const startedAt = new Date().toISOString();
  const environment = describeEnvironment();
  const runs = plan.cases.map((spec) => new CaseRun(spec));
  const total = plan.cases.length;
  const rounds = Math.max(0, ...plan.cases.map((c) => c.repeat));
  // Queue patterns' brokers start once per run (RabbitMQ takes seconds), not per case.
  const brokers = await startRunBrokers(
    brokersFor(plan.cases.filter((c) => !c.target).map((c) => c.pattern)),
  );
  const runOpts: CaseRunOptions = { ...opts, brokers: brokers.started };
  let slot = opts.startAt;
  try {
    for (let round = 0; round < rounds && !opts.signal?.aborted; round++) {
      for (const [index, run] of runs.entries()) {
        if (opts.signal?.aborted) break;
        if (run.done || round >= run.spec.repeat) continue;
        opts.hooks?.caseStarted?.(run.spec, index, total, round);
        await run.runRepetition(round, runOpts, slot);
        if (slot !== undefined) slot += run.spec.warmupMs + run.spec.durationMs + slotGapMs;
        opts.hooks?.caseFinished?.(run.result(), index, total);
      }
    }
  } finally {
    await brokers.stop(opts.signal?.aborted ? 'kill' : 'graceful');
  }
  const interrupted = opts.signal?.aborted === true;
  const cases = runs.filter((r) => r.started).map((r) => r.result(interrupted));
  return {
    schemaVersion,
    tool: { name: 'commbench', version: packageVersion() },
    startedAt,
    finishedAt: new Date().toISOString(),
    environment,
    plan,
    cases,
    endReason: interrupted ? 'interrupted' : 'completed',
    ...(interrupted
      ? { endMessage: `interrupted after ${cases.length} of ${plan.cases.length} cases; measured data kept` }
      : {}),
  };
}

/** What the runner passes down to a case besides the caller's options: the run's brokers. */
interface CaseRunOptions extends RunOptions {
  /** The brokers this run started: one that dies fails the case using it, and every later one. */
  readonly brokers?: readonly RunningBroker[];
}

/** The started broker the case's traffic goes through, if any (none for --target or a --broker-url broker). */
function caseBroker(
  spec: CaseSpec,
  brokers: readonly RunningBroker[] | undefined,
): RunningBroker | undefined {
  if (spec.target !== undefined || !brokers) return undefined;
  const kind = brokerOf(spec.pattern, spec.options);
  return kind === undefined ? undefined : brokers.find((b) => b.kind === kind);
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ?? `exit code ${exit.code}`;
}

/** Runs every repetition of one case, back to back. */
export async function runCase(spec: CaseSpec, opts: RunOptions = {}): Promise<CaseResult> {
  const run = new CaseRun(spec);
  for (let r = 0; r < spec.repeat && !run.done && !opts.signal?.aborted; r++)
    await run.runRepetition(r, opts);
  return run.result(opts.signal?.aborted === true);
}

/** One case's repetitions so far, and whether it may go on. */
class CaseRun {
  readonly repetitions: Measurement[] = [];
  status: CaseStatus = 'ok';
  error: CaseResult['error'];
  started = false;
  /** No further repetition: it failed, its server crashed, or the run was interrupted. */
  done = false;

  constructor(readonly spec: CaseSpec) {}

  async runRepetition(r: number, opts: CaseRunOptions, scheduledEpoch?: number): Promise<void> {
    this.started = true;
    opts.hooks?.repetitionStarted?.(this.spec, r);
    try {
      const m = await runRepetition(this.spec, r, opts, scheduledEpoch);
      if (m.durationMs > 0) this.repetitions.push(m.measurement);
      if (m.brokerDied !== undefined) {
        this.end('failed', { code: 'E_BROKER_DIED', message: m.brokerDied });
      } else if (m.measurement.endReason === 'server-crashed') {
        this.end('server-crashed', {
          code: 'E_SERVER_CRASHED',
          message: m.crash ?? 'the server process exited during the run',
        });
      } else if (m.measurement.endReason === 'interrupted') {
        this.end('interrupted');
      } else if (m.measurement.endReason === 'failed') {
        // A driver (process or thread) died: what the others measured is kept above.
        this.end('failed', { code: 'E_RUN_FAILED', message: m.crash ?? 'a driver failed during the run' });
      } else if (m.measurement.endReason === 'completed' && !opts.signal?.aborted) {
        // A fault injected on purpose (pattern.injectsFault): the failed calls are the measurement.
        const reason = noSuccessReason(m.measurement);
        if (reason !== undefined && !(await injectsFault(this.spec))) {
          this.end('failed', { code: 'E_NO_SUCCESS', message: reason });
        }
      }
    } catch (err) {
      this.end(opts.signal?.aborted ? 'interrupted' : 'failed', {
        code: isCommbenchError(err) ? err.code : 'E_RUN_FAILED',
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** The case as it stands; `interrupted`: the run stopped before all its repetitions. */
  result(interrupted = false): CaseResult {
    const status =
      this.status === 'ok' && interrupted && this.repetitions.length < this.spec.repeat
        ? 'interrupted'
        : this.status;
    const summary = mergeMeasurements(this.repetitions);
    return {
      spec: this.spec,
      status,
      ...(this.error ? { error: this.error } : {}),
      repetitions: [...this.repetitions],
      ...(summary ? { summary } : {}),
    };
  }

  private end(status: CaseStatus, error?: CaseResult['error']): void {
    this.status = status;
    this.error = error;
    this.done = true;
  }
}

/** Whether the case's pattern puts a fault in place from the start with these options (a misconfigured gateway). */
async function injectsFault(spec: CaseSpec): Promise<boolean> {
  if (spec.target) return false;
  const pattern = await loadPattern(spec.pattern);
  return pattern.injectsFault?.(pattern.options.parse(spec.options)) ?? false;
}

async function runRepetition(
  spec: CaseSpec,
  repetition: number,
  opts: CaseRunOptions,
  scheduledEpoch?: number,
): Promise<{ measurement: Measurement; durationMs: number; crash?: string; brokerDied?: string }> {
  if (scheduledEpoch !== undefined) await sleepUntil(scheduledEpoch - prepareMs, opts.signal);
  // Interrupted while waiting for the slot: nothing starts.
  if (opts.signal?.aborted) throw new CommbenchError('E_INTERRUPTED', 'interrupted before the load started');
  const broker = caseBroker(spec, opts.brokers);
  if (broker?.hasExited) {
    throw new CommbenchError(
      'E_BROKER_DIED',
      `the ${broker.kind} broker commbench started (pid ${broker.pid}) died earlier in the run (${describeExit(await broker.exited)}); the cases that need it cannot run`,
      { hint: 'run again, or give a broker of your own with --broker-url' },
    );
  }
  const server: ServerProcess | undefined = spec.target
    ? undefined
    : await startServerProcesses(
        {
          pattern: spec.pattern,
          options: spec.options,
          host: opts.serverHost ?? '127.0.0.1',
          port: 0,
          delayMs: spec.serverDelayMs,
        },
        {
          ...(spec.placement?.server ? { cpus: spec.placement.server } : {}),
          // Holding N connections takes N descriptors in the server: as many as can be had (src/proc).
          ...serverNofile(spec),
        },
        spec.serverProcesses ?? 1,
      );
  if (server) opts.hooks?.serverStarted?.(spec, server);
  let unpin: (() => void) | undefined;
  const placed = (m: Measurement): Measurement =>
    spec.placement ? { ...m, placement: readPlacement(server?.pid) } : m;
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort('interrupted');
  let stopping = false;
  let crash: string | undefined;
  let brokerDied: string | undefined;
  try {
    if (spec.placement?.driver) unpin = pinThisProcess(spec.placement.driver);
    // A Ctrl-C while the server was starting has already fired: it must still stop this repetition.
    if (opts.signal?.aborted) onOuterAbort();
    else opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    void server?.exited.then((exit) => {
      if (stopping) return;
      crash = `the ${spec.pattern} server process exited during the run (${exit.signal ?? `exit code ${exit.code}`})`;
      abort.abort('server-crashed');
    });
    void broker?.exited.then((exit) => {
      if (stopping) return;
      brokerDied = `the ${broker.kind} broker commbench started (pid ${broker.pid}) died during the run (${describeExit(exit)}); the window ended there`;
      abort.abort('failed');
    });
    if (loadDefinition(spec.load).hold) {
      const held = await holdConnections(
        spec,
        repetition,
        spec.target ?? (server as ServerProcess).url,
        server,
        abort.signal,
      );
      const measurement = { ...held, verdict: verdictForLoad(spec.load, held) };
      stopping = true;
      return {
        measurement: placed(measurement),
        durationMs: measurement.durationMs,
        ...(crash ? { crash } : {}),
        ...(brokerDied ? { brokerDied } : {}),
      };
    }
    const search = loadDefinition(spec.load).search;
    if (search) {
      const measurement = await search(
        spec.load,
        async (load, { index, warmupMs, durationMs }) => {
          // What the previous step left (its driver, connections, histograms) is collected now, not
          // in the middle of this step's window, where the pause would read as late sends.
          if (index > 0) {
            collectGarbage();
            await server?.collectGarbage();
          }
          const step = { ...spec, load, warmupMs, durationMs };
          return (
            await driveWindow(
              step,
              repetition,
              server,
              abort.signal,
              opts,
              index === 0 ? scheduledEpoch : undefined,
            )
          ).measurement;
        },
        { warmupMs: spec.warmupMs, durationMs: spec.durationMs },
      );
      stopping = true;
      return {
        measurement: placed(measurement),
        durationMs: measurement.durationMs,
        ...(crash ? { crash } : {}),
        ...(brokerDied ? { brokerDied } : {}),
      };
    }
    const window = await driveWindow(spec, repetition, server, abort.signal, opts, scheduledEpoch);
    stopping = true;
    const why = crash ?? window.crash;
    return {
      measurement: placed(window.measurement),
      durationMs: window.durationMs,
      ...(why ? { crash: why } : {}),
      ...(brokerDied ? { brokerDied } : {}),
    };
  } finally {
    stopping = true;
    unpin?.();
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await server?.stop();
  }
}

/**
 * Drives one measured window of `spec` against `server` (or the case's target): connects the
 * drivers (worker threads when the case has them), runs warm-up and window, and measures it.
 */
async function driveWindow(
  spec: CaseSpec,
  repetition: number,
  server: ServerProcess | undefined,
  signal: AbortSignal,
  opts: RunOptions,
  scheduledEpoch: number | undefined,
): Promise<{ measurement: Measurement; durationMs: number; crash?: string }> {
  const driverSpec: { -readonly [K in keyof DriverSpec]: DriverSpec[K] } = {
    pattern: spec.pattern,
    options: spec.options,
    url: spec.target ?? (server as ServerProcess).url,
    load: spec.load,
    payload: spec.payload,
    timeoutMs: spec.timeoutMs,
    verifyEvery: spec.verifyEvery,
    warmupMs: spec.warmupMs,
    durationMs: spec.durationMs,
    connectionOffset: 0,
    ...(spec.request ? { request: spec.request } : {}),
    ...(server && server.urls.length > 1 ? { urls: server.urls } : {}),
  };
  // Push and queue patterns keep publishers and subscribers on one clock, in one thread.
  const pushes = await casePushes(spec);
  if (pushes && server && server.urls.length > 1)
    throw new CommbenchError(
      'E_USAGE',
      `${spec.pattern} pushes to subscribers: with ${server.urls.length} server processes a publish reaches only one of them`,
      { hint: 'leave server.processes out for push and queue patterns (held connections may use it)' },
    );
  const workers = pushes ? 1 : Math.min(spec.workers, spec.load.connections);
  const processes = pushes ? 1 : driverProcesses(spec.processes, spec.load);
  const broker = server ? brokerOfCase(brokerOf(spec.pattern, spec.options)) : {};
  const pacing = choosePacing(spec.pacing, {
    cores: allowedCpus('self')?.length ?? machineCores(),
    driverThreads: workers * processes,
    // --target on loopback: the user's server runs here too (at least one process).
    serverProcesses: server
      ? server.pids.length + server.helpers.length + (broker.measured || broker.unmeasured ? 1 : 0)
      : 1,
    ...(spec.placement?.driver && spec.placement.server
      ? { driverCpus: spec.placement.driver, serverCpus: spec.placement.server }
      : {}),
  });
  driverSpec.pacing = pacing.pacing;
  const hooks = {
    signal,
    onTick: (p: Progress) => opts.hooks?.tick?.(spec, p),
  };
  let reportsPromise: Promise<GroupReports>;
  let startAtEpoch: number;
  let driverPids: readonly number[] = [];
  if (processes > 1) {
    const group = await connectProcessDrivers(splitSpec(driverSpec, processes), signal);
    driverPids = group.pids;
    startAtEpoch = Math.max(epochNow() + startLeadMs, scheduledEpoch ?? 0);
    // Warm-up, window and the drain of the last operations, then a grace: a hung process is a crash.
    const reportWithinMs = spec.warmupMs + spec.durationMs + spec.timeoutMs + reportGraceMs;
    reportsPromise = group.run(startAtEpoch, hooks, reportWithinMs);
  } else if (workers > 1) {
    const group = await connectWorkerDrivers(splitSpec(driverSpec, workers), signal);
    startAtEpoch = Math.max(epochNow() + startLeadMs, scheduledEpoch ?? 0);
    reportsPromise = group.run(startAtEpoch, hooks);
  } else {
    const driver = await connectDriver(driverSpec, undefined, signal);
    startAtEpoch = Math.max(epochNow() + startLeadMs, scheduledEpoch ?? 0);
    reportsPromise = driver
      .run(fromEpoch(startAtEpoch), hooks)
      .then((r) => ({ reports: [r] }))
      .finally(() => driver.close());
  }
  if (signal.aborted) throw new CommbenchError('E_INTERRUPTED', 'interrupted');
  if (scheduledEpoch !== undefined)
    opts.hooks?.loadStarting?.(spec, repetition, { startAtEpoch, scheduledEpoch });
  const serverPid = serverPidOf(spec, opts.serverPids);
  const window = watchWindow(
    fromEpoch(startAtEpoch) + spec.warmupMs,
    spec.durationMs,
    server ?? (serverPid === undefined ? undefined : pidUsageSource(serverPid)),
    broker,
    signal,
    driverPids,
  );
  const { reports, crash } = await reportsPromise;
  const sources = sourceAddressCount(
    new URL(driverSpec.url),
    spec.load.connections + (pushes ? (spec.load.subscribers ?? 1) : 0),
  );
  const usage = await window.finish();
  if (reports.length === 0) throw new CommbenchError('E_RUN_FAILED', crash ?? 'no driver reported');
  const measurement = measure(repetition, spec.load, reports, {
    ...usage,
    workers,
    ...(processes > 1 ? { processes } : {}),
    ...(sources > 1 ? { sourceAddresses: sources } : {}),
    pacing,
  });
  return {
    measurement: crash === undefined ? measurement : { ...measurement, endReason: 'failed' },
    durationMs: Math.max(0, ...reports.map((r) => r.measuredMs)),
    ...(crash === undefined ? {} : { crash }),
  };
}

/** The server's RLIMIT_NOFILE for a case that holds more connections than the inherited limit allows. */
function serverNofile(spec: CaseSpec): { nofile?: number } {
  const wanted = Math.ceil(spec.load.connections / (spec.serverProcesses ?? 1)) + 1000;
  if (!loadDefinition(spec.load).hold || wanted <= (openFilesLimit('self')?.soft ?? wanted)) return {};
  return { nofile: obtainableNofile(wanted) };
}

const maxTimerMs = 2 ** 31 - 1;

/** Resolves at wall-clock `epochMs` (at once when past), or when `signal` aborts. */
async function sleepUntil(epochMs: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = epochMs - epochNow();
  if (ms <= 0 || signal?.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    // setTimeout fires at once past 2^31-1 ms: a long wait goes in steps.
    let timer: NodeJS.Timeout;
    const step = (): void => {
      const left = epochMs - epochNow();
      timer =
        left <= 0
          ? setTimeout(done, 0)
          : setTimeout(left > maxTimerMs ? step : done, Math.min(left, maxTimerMs));
    };
    step();
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Takes CPU snapshots of the driver process, the server (ours, or a --server-pid process) and the
 * broker the case's traffic goes through (when this process started it) at the start and end of the
 * measured window (or at the abort, when the window ends early). The broker is reported as one of
 * the server's helpers.
 */
function watchWindow(
  windowStart: number,
  durationMs: number,
  server: ServerUsageSource | undefined,
  broker: ReturnType<typeof brokerOfCase>,
  signal: AbortSignal,
  driverPids: readonly number[] = [],
): { finish(): Promise<Omit<WindowUsage, 'workers'>> } {
  type BrokerUsage = ReturnType<NonNullable<typeof broker.measured>['usage']>;
  type Snapshot = {
    cpu: NodeJS.CpuUsage;
    machine: number | undefined;
    server?: Promise<ServerUsage>;
    broker?: BrokerUsage;
  };
  let begin: Snapshot | undefined;
  let end: Snapshot | undefined;
  // Driver processes' CPU (from /proc, 10 ms ticks) counts as the driver's.
  // A process that has gone reads as zero: its last reading stands.
  const lastCpu = new Map<number, number>();
  const driverCpu = (): NodeJS.CpuUsage => {
    const own = process.cpuUsage();
    let children = 0;
    for (const pid of driverPids) {
      const cpuUs = Math.max(procUsage(pid).cpuUs, lastCpu.get(pid) ?? 0);
      lastCpu.set(pid, cpuUs);
      children += cpuUs;
    }
    return { user: own.user + children, system: own.system };
  };
  const snap = (): Snapshot => ({
    cpu: driverCpu(),
    machine: machineBusyUs(),
    ...(server ? { server: server.usage() } : {}),
    ...(broker.measured ? { broker: broker.measured.usage() } : {}),
  });
  const onAbort = (): void => {
    if (begin && !end) end = snap();
  };
  const startTimer = setTimeout(() => (begin = snap()), Math.max(0, windowStart - performance.now()));
  const endTimer = setTimeout(onAbort, Math.max(0, windowStart + durationMs - performance.now()));
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    async finish() {
      clearTimeout(startTimer);
      clearTimeout(endTimer);
      signal.removeEventListener('abort', onAbort);
      if (!begin) return { driverCpuUs: 0 };
      end ??= snap();
      const driverCpuUs = end.cpu.user + end.cpu.system - (begin.cpu.user + begin.cpu.system);
      const machine =
        begin.machine !== undefined && end.machine !== undefined
          ? { machineBusyUs: end.machine - begin.machine }
          : {};
      if (!begin.server || !end.server) return { driverCpuUs, ...machine };
      const [s0, s1] = await Promise.all([begin.server, end.server]);
      const helpers: HelperUsage[] | undefined = s1.helpers?.map((h, i) => ({
        role: h.role,
        cpuUs: Math.max(0, h.cpuUs - (s0.helpers?.[i]?.cpuUs ?? 0)),
        maxRssBytes: h.maxRssBytes,
      }));
      const counters = windowCounters(s0.counters, s1.counters);
      const brokerUsage = windowBrokerUsage(broker.measured?.role, begin.broker, end.broker);
      const allHelpers = brokerUsage ? [...(helpers ?? []), brokerUsage] : helpers;
      return {
        driverCpuUs,
        ...machine,
        server: {
          cpuUs: Math.max(0, s1.cpuUs - s0.cpuUs),
          maxRssBytes: s1.maxRssBytes,
          ...(allHelpers ? { helpers: allHelpers } : {}),
          ...(broker.unmeasured ? { unmeasured: [broker.unmeasured] } : {}),
          ...(counters ? { counters } : {}),
        },
      };
    },
  };
}

/** The server's counts over the window: end minus start, by name (undefined unless both were read). */
export function windowCounters(
  begin: Readonly<Record<string, number>> | undefined,
  end: Readonly<Record<string, number>> | undefined,
): Record<string, number> | undefined {
  if (!begin || !end) return undefined;
  return Object.fromEntries(Object.entries(end).map(([k, v]) => [k, Math.max(0, v - (begin[k] ?? 0))]));
}

/**
 * The broker's CPU between two snapshots. A broker restarted in between (a fault injection) is a
 * new process: only its own CPU since it started is known, a lower bound of the window's.
 */
function windowBrokerUsage(
  role: string | undefined,
  begin: { pid: number; cpuUs: number; maxRssBytes: number } | undefined,
  end: { pid: number; cpuUs: number; maxRssBytes: number } | undefined,
): HelperUsage | undefined {
  if (role === undefined || !begin || !end) return undefined;
  const cpuUs = begin.pid === end.pid ? Math.max(0, end.cpuUs - begin.cpuUs) : end.cpuUs;
  return { role, cpuUs, maxRssBytes: Math.max(begin.maxRssBytes, end.maxRssBytes) };
}
