/**
 * The same logical message for every pattern: a deterministic record of a requested size and shape.
 * `size` is the length in bytes of the record's JSON serialization (the canonical form), so a 1 KiB
 * message is 1 KiB on REST and whatever protobuf makes of the same record on gRPC.
 * proto/echo.proto describes the same record.
 */

export interface Item {
  id: number;
  label: string;
  score: number;
  active: boolean;
}

export interface EchoRecord {
  /** Operation sequence number (uint32), unique per client connection; echoed back unchanged. */
  seq: number;
  name: string;
  items: Item[];
  text: string;
}

/**
 * - `mixed`: half structured items, half text (the default; typical API payload)
 * - `text`: one string field (a document, a chat message)
 * - `items`: only structured items (numbers and short strings, where protobuf gains most)
 */
export const messageShapes = ['mixed', 'text', 'items'] as const;
export type MessageShape = (typeof messageShapes)[number];

/** Builds the base record of `size` JSON bytes (never smaller than the empty record). */
export function makeRecord(size: number, shape: MessageShape = 'mixed'): EchoRecord {
  const random = mulberry32(size * 31 + shape.length);
  const record: EchoRecord = { seq: 0, name: `commbench-${shape}`, items: [], text: '' };
  const itemBudget = shape === 'text' ? 0 : shape === 'items' ? size : size / 2;
  let id = 1;
  // The record's JSON length, kept as items are added (every character is ASCII): recomputing it
  // per item made a 1 MiB payload take seconds to build.
  let current = jsonSize(record);
  for (;;) {
    const item: Item = {
      id: id++,
      label: randomWord(random, 4 + Math.floor(random() * 8)),
      score: Math.round(random() * 1_000_000) / 100,
      active: random() < 0.5,
    };
    const next = current + JSON.stringify(item).length + (record.items.length > 0 ? 1 : 0);
    if (next > itemBudget) break;
    record.items.push(item);
    current = next;
  }
  const missing = size - current;
  if (missing > 0) record.text = randomWord(random, missing);
  return record;
}

/** The record an operation sends: the base record with its own sequence number. */
export function withSeq(base: EchoRecord, seq: number): EchoRecord {
  return { seq: seq >>> 0, name: base.name, items: base.items, text: base.text };
}

export function jsonSize(record: EchoRecord): number {
  return Buffer.byteLength(JSON.stringify(record));
}

/** Field-by-field equality; protobuf defaults (0, '', false, []) equal absent fields. */
export function recordsEqual(a: Partial<EchoRecord>, b: Partial<EchoRecord>): boolean {
  if (
    (a.seq ?? 0) !== (b.seq ?? 0) ||
    (a.name ?? '') !== (b.name ?? '') ||
    (a.text ?? '') !== (b.text ?? '')
  ) {
    return false;
  }
  const ai = a.items ?? [];
  const bi = b.items ?? [];
  if (ai.length !== bi.length) return false;
  for (let i = 0; i < ai.length; i++) {
    const x = ai[i] as Partial<Item>;
    const y = bi[i] as Partial<Item>;
    if (
      (x.id ?? 0) !== (y.id ?? 0) ||
      (x.label ?? '') !== (y.label ?? '') ||
      (x.score ?? 0) !== (y.score ?? 0) ||
      (x.active ?? false) !== (y.active ?? false)
    ) {
      return false;
    }
  }
  return true;
}

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ';

function randomWord(random: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

/** Small seeded PRNG so the same size and shape always give the same record. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
