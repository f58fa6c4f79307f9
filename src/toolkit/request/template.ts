import { randomUUID } from 'node:crypto';
import { CommbenchError } from '../../errors.js';

/**
 * A request text with per-request values, split once into constant parts and fills:
 * `{{seq}}` the operation's sequence number, `{{uuid}}` a random UUID, `{{randInt a b}}` an
 * integer in [a, b]. render() only concatenates; a text without placeholders is returned as is.
 */
export interface Template {
  /** The text when it has no placeholders (render returns it for every seq). */
  readonly constant: string | undefined;
  render(seq: number): string;
}

type Fill = (seq: number) => string;

const placeholder = /\{\{\s*([A-Za-z]+)((?:\s+-?\d+)*)\s*\}\}/g;
const help = '{{seq}}, {{uuid}} or {{randInt a b}}';

function fillFor(name: string, args: number[], text: string): Fill {
  if (name === 'seq' && args.length === 0) return (seq) => String(seq);
  if (name === 'uuid' && args.length === 0) return () => randomUUID();
  if (name === 'randInt' && args.length === 2) {
    const [a, b] = args as [number, number];
    const lo = Math.min(a, b);
    const span = Math.abs(b - a) + 1;
    return () => String(lo + Math.floor(Math.random() * span));
  }
  throw new CommbenchError('E_USAGE', `request template ${text}: unknown placeholder`, {
    hint: `placeholders are ${help}`,
  });
}

export function compileTemplate(text: string): Template {
  const parts: string[] = [];
  const fills: Fill[] = [];
  let last = 0;
  for (const m of text.matchAll(placeholder)) {
    parts.push(text.slice(last, m.index));
    const args = (m[2] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    fills.push(fillFor(m[1] as string, args, m[0]));
    last = m.index + m[0].length;
  }
  if (fills.length === 0) return { constant: text, render: () => text };
  parts.push(text.slice(last));
  const n = fills.length;
  return {
    constant: undefined,
    render(seq) {
      let out = parts[0] as string;
      for (let i = 0; i < n; i++) out += (fills[i] as Fill)(seq) + (parts[i + 1] as string);
      return out;
    },
  };
}

/** Several bodies used round-robin by seq (a JSON-lines file), or one. */
export function roundRobin(templates: readonly Template[]): (seq: number) => string {
  if (templates.length === 1) return (seq) => (templates[0] as Template).render(seq);
  const n = templates.length;
  return (seq) => (templates[seq % n] as Template).render(seq);
}
