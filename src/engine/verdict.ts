/**
 * Who limited the run: the one place that decides it. A measured window's stored figures go in, one
 * exclusive verdict comes out (with the figures that decided it and one line of why); measure()
 * stores it with the window, the repetitions' verdicts merge into the case's, and reports, `check`
 * and `compare` read the stored verdict (verdictOf) instead of deciding again.
 *
 * The rules, in order of precedence (the first that holds is the verdict):
 * 1. BUSY-MACHINE, starved — processes other than the driver and the server used more than
 *    `busyMachineCores` and more CPU than the server side itself: whatever backed up, the server
 *    was starved of the cores, not at its own limit.
 * 2. SERVER-LIMITED — an open schedule's operations waited for a free connection longer than the
 *    schedule allows (p99 over all sends, and longer than the driver's own send lag, which a late
 *    driver's burst could otherwise explain), or fell due at maxInFlight and were dropped. On a
 *    machine busy with less than that, the why says how busy.
 * 3. none, because of errors — no operation succeeded, or at least `failedShare` of them failed: the
 *    errors, not a limit, describe the run (a server answering HTTP 500 keeps a closed-loop driver
 *    busy, and that is not driver saturation).
 * 4. BUSY-MACHINE — other processes used more than `busyMachineCores` during the window: the driver
 *    is never blamed for the machine.
 * 5. CPU-BOUND — the driver fell behind (closed: its event loop never idled; open: its sends ran
 *    late) while the server's busiest process kept a core busy: both sides shared the cores.
 * 6. DRIVER-LIMITED — the driver fell behind while the server had room (or was not measured).
 * 7. none.
 * A model that only holds connections (connection cost) sends nothing to limit: none.
 */
import { busyMachineCores } from '../metrics/machine.js';
import { saturation } from '../metrics/saturation.js';
import type { CaseResult, Verdict, WindowFigures } from '../result/types.js';
import type { LoadSpec } from '../plan/types.js';
import { loadDefinition } from './load/registry.js';
import type { LimitRules } from './load/types.js';

export type { WindowFigures };

/** The stored verdict of a case: its summary's (undefined when the case measured nothing). */
export function verdictOf(c: Pick<CaseResult, 'summary'>): Verdict | undefined {
  return c.summary?.verdict;
}

/** The verdict of one window measured under `load`, from its stored figures. */
export function verdictForLoad(load: LoadSpec, m: WindowFigures): Verdict {
  return decideVerdict(m, loadDefinition(load).limits(load));
}

/** The verdict of one window from its figures and its load model's rules (see the module comment). */
export function decideVerdict(m: WindowFigures, rules: LimitRules): Verdict {
  if (rules.holds) {
    return {
      limit: 'none',
      why: 'connections were opened and held: no operations for anything to limit',
      figures: {},
    };
  }
  const serverBusy = m.server?.cpuUtilization;
  const otherCores = m.machine?.otherCores;
  const open = rules.lagLimitUs !== undefined;
  const busy = otherCores !== undefined && otherCores > busyMachineCores;
  const serverCores = m.server && m.durationMs > 0 ? m.server.cpuUs / (m.durationMs * 1000) : undefined;
  const busyMachine = (starved: boolean): Verdict => ({
    limit: 'BUSY-MACHINE',
    why:
      `processes other than the driver and the server used ${otherCores} cores of ${m.machine?.cores ?? '?'} ` +
      'during the window' +
      (starved ? `, more than the server side itself (${round2(serverCores ?? 0)} cores)` : ''),
    figures: {
      otherCores: otherCores ?? 0,
      busyMachineCores,
      ...(serverCores === undefined ? {} : { serverCores: round2(serverCores) }),
    },
  });
  if (busy && serverCores !== undefined && otherCores > serverCores) return busyMachine(true);

  if (open) {
    const limit = rules.lagLimitUs;
    const backlog = m.backlog;
    const waited =
      backlog !== undefined &&
      backlog.queued > 0 &&
      backlog.waitP99 > limit &&
      backlog.waitP99 >= m.driver.sendLagP99;
    if (waited || m.dropped > 0) {
      const why: string[] = [];
      if (waited) {
        const share = m.sent === 0 ? 0 : backlog.queued / m.sent;
        why.push(
          `${backlog.queued} of ${m.sent} operations (${(share * 100).toFixed(1)}%) found every connection busy and waited ` +
            `for one: p99 ${formatMs(backlog.waitP99)} over all sends, max ${formatMs(backlog.waitMax)}`,
        );
      }
      if (m.dropped > 0) {
        why.push(
          `${m.dropped} operations fell due with maxInFlight=${rules.maxInFlight ?? '?'} outstanding and were dropped`,
        );
      }
      if (busy) {
        why.push(
          `on a busy machine: other processes used ${otherCores} cores of ${m.machine?.cores ?? '?'}, ` +
            `the server side ${round2(serverCores ?? 0)}`,
        );
      }
      return {
        limit: 'SERVER-LIMITED',
        why: why.join('; '),
        figures: {
          sent: m.sent,
          queued: backlog?.queued ?? 0,
          backlogWaitP99Us: backlog?.waitP99 ?? 0,
          lagLimitUs: limit,
          sendLagP99Us: m.driver.sendLagP99,
          dropped: m.dropped,
          ...(otherCores === undefined ? {} : { otherCores }),
        },
      };
    }
  }

  const errors = m.errors.total;
  const failedShare = errors / Math.max(1, m.ops + errors);
  if (errors > 0 && (m.ops === 0 || failedShare >= saturation.failedShare)) {
    return {
      limit: 'none',
      why:
        `${errors} of ${m.ops + errors} operations failed (${(failedShare * 100).toFixed(1)}%): ` +
        'the errors, not a limit, describe this run',
      figures: { ops: m.ops, errors, failedShare },
    };
  }

  if (busy) return busyMachine(false);

  const behind = open
    ? m.driver.sendLagP99 > rules.lagLimitUs
      ? `sends ran up to ${formatMs(m.driver.sendLagP99)} behind schedule (p99; the schedule allows ${formatMs(rules.lagLimitUs)})`
      : undefined
    : m.driver.eventLoopUtilization >= saturation.eventLoopUtilization
      ? `driver event loop busy ${Math.round(m.driver.eventLoopUtilization * 100)}% of the window`
      : undefined;
  const driverFigures: Record<string, number> = open
    ? { sendLagP99Us: m.driver.sendLagP99, lagLimitUs: rules.lagLimitUs }
    : { eventLoopUtilization: m.driver.eventLoopUtilization };
  const serverFigures: Record<string, number> =
    serverBusy === undefined ? {} : { serverBusyCores: serverBusy };

  if (behind !== undefined && serverBusy !== undefined && serverBusy >= saturation.serverBusy) {
    return {
      limit: 'CPU-BOUND',
      why: `${behind} while the server's busiest process used ${Math.round(serverBusy * 100)}% of a core`,
      figures: { ...driverFigures, ...serverFigures },
    };
  }
  if (behind !== undefined) {
    return {
      limit: 'DRIVER-LIMITED',
      why:
        behind +
        (serverBusy === undefined
          ? ", the server's CPU not measured"
          : ` while the server used ${Math.round(serverBusy * 100)}% of a core`),
      figures: { ...driverFigures, ...serverFigures },
    };
  }
  return {
    limit: 'none',
    why: open
      ? 'the driver kept to its schedule and no operation waited long for a free connection'
      : "neither the driver's event loop nor the server's CPU was saturated",
    figures: { ...driverFigures, ...serverFigures },
  };
}

/**
 * Position in decideVerdict's order of precedence (lower decides first), for merging: a limit any
 * part hit outranks none.
 */
function rank(v: Verdict): number {
  switch (v.limit) {
    case 'SERVER-LIMITED':
      return 0;
    case 'BUSY-MACHINE': {
      // Starved (other processes used more than the server side) ranks first, as in decideVerdict.
      const { otherCores, serverCores } = v.figures;
      return otherCores !== undefined && serverCores !== undefined && otherCores > serverCores ? -1 : 2;
    }
    case 'CPU-BOUND':
      return 3;
    case 'DRIVER-LIMITED':
      return 4;
    case 'none':
      return v.figures.failedShare === undefined ? 5 : 1;
  }
}

/**
 * The verdict of windows merged into one (a case's repetitions, or generators run side by side):
 * the first by precedence, its why prefixed with which part it came from and how many parts shared
 * its answer. `labels[i]` names part i ('repetition #2', 'generator #1').
 */
export function mergeVerdicts(parts: readonly Verdict[], labels: readonly string[]): Verdict | undefined {
  if (parts.length <= 1) return parts[0];
  let at = 0;
  parts.forEach((v, i) => {
    if (rank(v) < rank(parts[at]!)) at = i;
  });
  const chosen = parts[at]!;
  const same = parts.filter((v) => v.limit === chosen.limit).length;
  return {
    ...chosen,
    why: `${labels[at] ?? `#${at + 1}`} (${same} of ${parts.length}): ${chosen.why}`,
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function formatMs(us: number): string {
  return us >= 10_000 ? `${Math.round(us / 1000)}ms` : `${(us / 1000).toFixed(1)}ms`;
}
