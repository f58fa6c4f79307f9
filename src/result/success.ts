import { formatDurationMs, formatInteger } from '../units.js';
import { errorKinds, type Measurement } from './types.js';

/**
 * Why a completed window counts as a failure, or undefined when it does not: no operation (or
 * connection) succeeded, more operations failed than succeeded, or a push/queue case's publishes
 * were accepted and no message reached a subscriber. The reason says what happened instead: errors by kind with an example, operations
 * still in flight at the window's end, nothing sent.
 */
export function noSuccessReason(m: Measurement): string | undefined {
  const d = m.delivery;
  if (m.ops > 0 || m.latency.count > 0) {
    if (d && d.expected > 0 && d.delivered === 0) {
      const lost = d.lost > 0 ? `; ${formatInteger(d.lost)} lost` : '';
      return `no message reached a subscriber: ${formatInteger(d.published)} published, none delivered${lost}`;
    }
    // More operations failed than succeeded: the errors, not the few successes, describe the window.
    const failed = m.errors.total;
    if (failed <= m.ops) return undefined;
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
