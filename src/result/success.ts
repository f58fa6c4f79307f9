import { formatDurationMs, formatInteger } from '../units.js';
import { errorKinds, type CaseResult, type Measurement } from './types.js';

/**
 * Why a completed window counts as a failure, or undefined when it does not: no operation (or
 * connection) succeeded, more operations failed than succeeded, the server stopped answering before
 * the window's end (a stall, see `stallReason`), or a push/queue case's publishes were accepted and
 * no message reached a subscriber. The reason says what happened instead: errors by kind with an
 * example, operations still in flight at the window's end, nothing sent.
 */
export function noSuccessReason(m: Measurement): string | undefined {
  const d = m.delivery;
  if (m.ops > 0 || m.latency.count > 0) {
    if (d && d.expected > 0 && d.delivered === 0) {
      const lost = d.lost > 0 ? `; ${formatInteger(d.lost)} lost` : '';
      const errors = errorsByKind(m)
        .map((e) => `; ${e}`)
        .join('');
      return `no message reached a subscriber: ${formatInteger(d.published)} published, none delivered${lost}${errors}`;
    }
    // More operations failed than succeeded: the errors, not the few successes, describe the window.
    const failed = m.errors.total;
    if (failed <= m.ops) return stallReason(m);
    const share = ((100 * failed) / (failed + m.ops)).toFixed(1);
    return `most operations failed in the ${formatDurationMs(m.durationMs)} window: ${formatInteger(failed)} of ${formatInteger(failed + m.ops)} (${share}%): ${errorsByKind(m).join('; ')}`;
  }
  const what = errorsByKind(m);
  const inFlight = m.unansweredAtEnd ?? 0;
  if (inFlight > 0) {
    const ops = `${formatInteger(inFlight)} operation${inFlight === 1 ? '' : 's'}`;
    what.push(
      what.length === 0
        ? `${ops} in flight at the window's end and never answered (the server stopped answering?)`
        : `${ops} in flight at the window's end, never answered`,
    );
  }
  if (what.length === 0) what.push(m.sent === 0 && m.dropped === 0 ? 'nothing was sent' : 'none came back');
  return `no operation succeeded in the ${formatDurationMs(m.durationMs)} window: ${what.join('; ')}`;
}

/**
 * Why a case stored as ok fails when read (results written before a rule existed, or edited): its
 * summary's `noSuccessReason`, else that of its first completed repetition that has one (a stall is
 * judged per window, so only repetitions carry it once several are merged).
 */
export function storedCaseFailure(c: CaseResult): string | undefined {
  if (c.status !== 'ok') return undefined;
  const windows = [
    ...(c.summary ? [c.summary] : []),
    ...c.repetitions.filter((r) => r.endReason === 'completed'),
  ];
  for (const m of windows) {
    const reason = noSuccessReason(m);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * A stall: operations in flight at the window's end were never answered, and no operation had
 * succeeded for the last tenth of the window or more — and for at least three times the mean gap
 * between successes, so a slow trickle (a low rate, a slow server) is not one. The successes before
 * it are kept in the measurement; the window still fails, as the server stopped serving in it.
 */
function stallReason(m: Measurement): string | undefined {
  const quiet = m.quietAtEndMs;
  const unanswered = m.unansweredAtEnd ?? 0;
  if (quiet === undefined || unanswered === 0 || m.ops === 0) return undefined;
  if (quiet < 0.1 * m.durationMs || quiet < (3 * m.durationMs) / m.ops) return undefined;
  const ops = `${formatInteger(unanswered)} operation${unanswered === 1 ? '' : 's'}`;
  const errors = errorsByKind(m);
  return `the server stopped answering: no operation succeeded in the last ${formatDurationMs(quiet < 1000 ? Math.round(quiet) : Math.round(quiet / 10) * 10)} of the ${formatDurationMs(m.durationMs)} window, ${ops} in flight at its end never answered (${formatInteger(m.ops)} succeeded before${errors.length === 0 ? '' : `; ${errors.join('; ')}`})`;
}

/** The window's errors by kind, each with its sample: '24,000 protocol errors (e.g. "HTTP 500 …")'. */
function errorsByKind(m: Measurement): string[] {
  const what: string[] = [];
  for (const k of errorKinds) {
    const n = m.errors[k] ?? 0;
    if (n === 0) continue;
    const sample = m.errorSamples[k];
    what.push(
      `${formatInteger(n)} ${k} error${n === 1 ? '' : 's'}${sample === undefined ? '' : ` (e.g. "${sample}")`}`,
    );
  }
  return what;
}
