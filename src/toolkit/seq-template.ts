import type { EchoRecord } from '../message.js';

const seqPrefix = '{"seq":';

/**
 * The bytes of `msg` sent on the wire, built from a per-connection template of its base record (the
 * same name, items and text as the last one): only the seq digits are written per operation,
 * JSON.stringify runs once per base record and seq digit count. `wrap` turns the record's JSON into
 * those bytes (a length-prefixed frame, the bare text) with the JSON starting at byte `offset`.
 */
export class SeqTemplateEncoder {
  private base: EchoRecord | undefined;
  /** By seq digit count: the bytes with that many digits. */
  private templates: (Buffer | undefined)[] = [];

  constructor(
    private readonly wrap: (json: string) => Buffer,
    private readonly offset = 0,
  ) {}

  encode(msg: EchoRecord): Buffer {
    const base = this.base;
    if (base === undefined || msg.items !== base.items || msg.text !== base.text || msg.name !== base.name) {
      this.base = msg;
      this.templates = [];
    }
    let digits = 1;
    for (let s = msg.seq; s >= 10; s = Math.floor(s / 10)) digits++;
    let template = this.templates[digits];
    if (template === undefined) {
      const json = JSON.stringify(msg);
      if (!json.startsWith(seqPrefix)) return this.wrap(json);
      template = this.wrap(json);
      this.templates[digits] = template;
    }
    const out = Buffer.allocUnsafe(template.length);
    template.copy(out);
    const first = this.offset + seqPrefix.length;
    let v = msg.seq;
    for (let i = first + digits - 1; i >= first; i--) {
      const q = Math.floor(v / 10);
      out[i] = 48 + v - q * 10;
      v = q;
    }
    return out;
  }
}
