/**
 * HPACK (RFC 7541) for the frames gRPC client: a decoder good for any server's response headers
 * (static and dynamic table, Huffman-coded strings, table size updates) and an encoder of literal
 * header fields without indexing, which is all a client needs that sends one constant header block:
 * it never touches the server's dynamic table.
 *
 * Hand-written: no kept HPACK package is installed here (hpack.js is on npm, not in node_modules),
 * and node:http2 keeps nghttp2's HPACK internal. The Huffman code is canonical (RFC 7541 §5.2,
 * Appendix B), so the code lengths below determine it.
 */

/** RFC 7541 Appendix A: index 1..61. */
const staticTable: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** Static-table index of a name (its first entry), for the encoder. */
export const staticNameIndex: ReadonlyMap<string, number> = new Map(
  [...staticTable.entries()].reverse().map(([i, [name]]) => [name, i + 1]),
);

/** Huffman code length in bits of each symbol 0..255 and EOS (256), RFC 7541 Appendix B. */
// prettier-ignore
const codeLengths = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;

/** The canonical codes: shorter codes first, equal lengths in symbol order (RFC 7541 §5.2). */
export function huffmanCodes(): { code: number; bits: number }[] {
  const order = codeLengths
    .map((bits, symbol) => ({ bits, symbol }))
    .sort((a, b) => a.bits - b.bits || a.symbol - b.symbol);
  const codes = new Array<{ code: number; bits: number }>(codeLengths.length);
  let code = 0;
  let bits = order[0]?.bits ?? 0;
  for (const e of order) {
    code *= 2 ** (e.bits - bits);
    bits = e.bits;
    codes[e.symbol] = { code, bits };
    code++;
  }
  return codes;
}

/**
 * The decoding tree as a flat array: node n's children are tree[2n] (bit 0) and tree[2n + 1]
 * (bit 1); a child ≥ 0 is the next node, < 0 is the leaf of symbol −child − 1.
 */
const tree: Int32Array = (() => {
  const t = new Int32Array(2 * 512).fill(0);
  let nodes = 1;
  for (const [symbol, { code, bits }] of huffmanCodes().entries()) {
    let node = 0;
    for (let b = bits - 1; b >= 0; b--) {
      const slot = 2 * node + (Math.floor(code / 2 ** b) & 1);
      if (b === 0) t[slot] = -symbol - 1;
      else {
        if (t[slot] === 0) t[slot] = nodes++;
        node = t[slot] as number;
      }
    }
  }
  return t;
})();

/** A malformed header block: a connection error (COMPRESSION_ERROR) in HTTP/2. */
export class HpackError extends Error {
  override readonly name = 'HpackError';
}

/** Decodes a Huffman-coded string `buf[from, to)` as latin1. */
export function huffmanDecode(buf: Uint8Array, from: number, to: number): string {
  let out = '';
  let node = 0;
  /** Bits read since the last symbol, and whether they were all ones (valid padding). */
  let pending = 0;
  let ones = true;
  for (let i = from; i < to; i++) {
    const byte = buf[i] as number;
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >> b) & 1;
      const next = tree[2 * node + bit] as number;
      pending++;
      ones &&= bit === 1;
      if (next < 0) {
        const symbol = -next - 1;
        if (symbol === EOS) throw new HpackError('Huffman string contains EOS');
        out += String.fromCharCode(symbol);
        node = 0;
        pending = 0;
        ones = true;
      } else node = next;
    }
  }
  if (pending > 7 || !ones) throw new HpackError('bad Huffman padding');
  return out;
}

/** Receives each decoded header field of a block, in order. */
export interface HeaderSink {
  header(name: string, value: string): void;
}

/**
 * One connection's HPACK decoder (its dynamic table lives as long as the connection). Every header
 * block the peer sends must pass through it in order, also those of streams the client no longer
 * cares about, or the table goes out of step.
 */
export class HpackDecoder {
  /** Newest first. */
  private readonly table: [string, string][] = [];
  private size = 0;
  private maxSize: number;
  private pos = 0;

  /** `limit`: the SETTINGS_HEADER_TABLE_SIZE this side advertised (4096 unless changed). */
  constructor(private readonly limit = 4096) {
    this.maxSize = limit;
  }

  /** Entries in the dynamic table (for tests). */
  get entries(): readonly (readonly [string, string])[] {
    return this.table;
  }

  decode(block: Uint8Array, sink: HeaderSink): void {
    this.pos = 0;
    const end = block.length;
    let fields = 0;
    while (this.pos < end) {
      const b = block[this.pos] as number;
      if (b & 0x80) {
        const [name, value] = this.entry(this.integer(block, 7));
        sink.header(name, value);
        fields++;
      } else if (b & 0x40) {
        const index = this.integer(block, 6);
        const name = index === 0 ? this.string(block) : (this.entry(index)[0] as string);
        const value = this.string(block);
        this.insert(name, value);
        sink.header(name, value);
        fields++;
      } else if (b & 0x20) {
        if (fields > 0) throw new HpackError('dynamic table size update after a header field');
        const size = this.integer(block, 5);
        if (size > this.limit) throw new HpackError(`table size update ${size} over the limit ${this.limit}`);
        this.maxSize = size;
        this.evict(0);
      } else {
        // Literal without indexing (0000) or never indexed (0001): 4-bit prefix.
        const index = this.integer(block, 4);
        const name = index === 0 ? this.string(block) : (this.entry(index)[0] as string);
        sink.header(name, this.string(block));
        fields++;
      }
    }
  }

  private entry(index: number): readonly [string, string] {
    if (index >= 1 && index <= staticTable.length) return staticTable[index - 1] as [string, string];
    const e = this.table[index - staticTable.length - 1];
    if (index === 0 || e === undefined) throw new HpackError(`header index ${index} is not in the table`);
    return e;
  }

  private insert(name: string, value: string): void {
    const size = name.length + value.length + 32;
    this.evict(size);
    if (size > this.maxSize) return; // an entry larger than the table empties it (§4.4)
    this.table.unshift([name, value]);
    this.size += size;
  }

  /** Evicts the oldest entries until `room` more bytes fit. */
  private evict(room: number): void {
    while (this.size + room > this.maxSize && this.table.length > 0) {
      const [n, v] = this.table.pop() as [string, string];
      this.size -= n.length + v.length + 32;
    }
  }

  private integer(buf: Uint8Array, prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = (buf[this.pos++] as number) & max;
    if (value < max) return value;
    let scale = 1;
    for (;;) {
      if (this.pos >= buf.length) throw new HpackError('truncated integer');
      const b = buf[this.pos++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 28) throw new HpackError('integer too large');
    }
  }

  private string(buf: Uint8Array): string {
    if (this.pos >= buf.length) throw new HpackError('truncated string');
    const huffman = ((buf[this.pos] as number) & 0x80) !== 0;
    const length = this.integer(buf, 7);
    const from = this.pos;
    const to = from + length;
    if (to > buf.length) throw new HpackError('string past the end of the header block');
    this.pos = to;
    return huffman
      ? huffmanDecode(buf, from, to)
      : Buffer.from(buf.buffer, buf.byteOffset + from, length).toString('latin1');
  }
}

function encodeInteger(out: number[], firstByte: number, prefixBits: number, value: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(firstByte | value);
    return;
  }
  out.push(firstByte | max);
  let v = value - max;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/**
 * A header block of `fields` for a request: a field that is a full static-table entry is indexed
 * (one byte); any other is a literal without indexing (its name indexed when the static table has
 * it), raw strings, no Huffman. Decodes the same with any dynamic table, so it can be sent as is on
 * every stream.
 */
export function encodeHeaderBlock(fields: readonly (readonly [string, string])[]): Buffer {
  const out: number[] = [];
  const string = (s: string): void => {
    const bytes = Buffer.from(s, 'latin1');
    encodeInteger(out, 0, 7, bytes.length);
    for (const b of bytes) out.push(b);
  };
  for (const [name, value] of fields) {
    const full = staticTable.findIndex(([n, v]) => n === name && v === value);
    if (full >= 0) {
      encodeInteger(out, 0x80, 7, full + 1);
      continue;
    }
    const nameIndex = staticNameIndex.get(name) ?? 0;
    encodeInteger(out, 0, 4, nameIndex);
    if (nameIndex === 0) string(name);
    string(value);
  }
  return Buffer.from(out);
}
