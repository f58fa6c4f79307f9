import { randomFillSync } from 'node:crypto';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): `traceparent` =
 * `00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>`. A caller starts a trace per call; every
 * hop reads the incoming header and sends a child (same trace-id, its own span id) onward. The last
 * service answers `traceresponse` (Trace Context Level 2) with the trace-id it received, which every
 * hop passes back, so the caller can check that the id really travelled the whole chain.
 */
export const traceparentHeader = 'traceparent';
export const traceresponseHeader = 'traceresponse';

export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: string;
}

const pattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ids = Buffer.alloc(24);

/** A new sampled trace with a random trace-id and span id (as OpenTelemetry's id generator makes them). */
export function newTraceparent(): string {
  randomFillSync(ids);
  return `00-${ids.toString('hex', 0, 16)}-${ids.toString('hex', 16, 24)}-01`;
}

/** The child header a hop sends onward: same trace-id and flags, a new span id. */
export function childTraceparent(parent: TraceParent): string {
  randomFillSync(ids, 0, 8);
  return `00-${parent.traceId}-${ids.toString('hex', 0, 8)}-${parent.flags}`;
}

/** Parses a traceparent (or traceresponse) value; undefined when absent or malformed. */
export function parseTraceparent(
  value: string | readonly string[] | Buffer | undefined,
): TraceParent | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString() : value[0];
  const m = text === undefined ? null : pattern.exec(text.trim());
  if (!m || /^0+$/.test(m[1] as string) || /^0+$/.test(m[2] as string)) return undefined;
  return { traceId: m[1] as string, spanId: m[2] as string, flags: m[3] as string };
}

/** The trace-id of a header value (the 32 hex digits after the version), without a full parse. */
export function traceIdOf(value: string): string {
  return value.slice(3, 35);
}
