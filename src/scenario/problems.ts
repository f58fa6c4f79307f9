/**
 * Problems found in a scenario file, located at `file:line:column` by mapping paths in the parsed
 * value back to nodes of the YAML document (JSON files are parsed as YAML too).
 */
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';

export type Path = readonly PropertyKey[];

/** One thing wrong with a file. `at: 'key'` points at the key of the last path segment. */
export interface Problem {
  readonly path: Path;
  readonly message: string;
  readonly at?: 'key' | 'value';
  /** Set when a command-line flag, not the file, gave the value: reported as a usage error. */
  readonly flag?: string;
}

/** A located problem: `line` and `column` are 1-based. */
export interface LocatedProblem {
  readonly line: number;
  readonly column: number;
  /** 'file:line:column: path: message' */
  readonly text: string;
}

export class ScenarioSource {
  readonly doc: Document.Parsed;
  readonly lineCounter = new LineCounter();
  /** YAML/JSON syntax errors, already located. */
  readonly syntaxErrors: LocatedProblem[];

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, {
      lineCounter: this.lineCounter,
      prettyErrors: false,
      merge: true,
      logLevel: 'error',
    });
    this.syntaxErrors = this.doc.errors.map((e) => {
      const { line, col } = this.lineCounter.linePos(e.pos[0]);
      return { line, column: col, text: `${file}:${line}:${col}: ${e.message}` };
    });
  }

  /** The plain value of the document (null when empty). */
  value(): unknown {
    return this.doc.toJS({ maxAliasCount: 1000 });
  }

  locate(problem: Problem): LocatedProblem {
    const offset = this.offsetOf(problem.path, problem.at ?? 'value');
    const { line, col } = this.lineCounter.linePos(offset);
    const where = formatPath(problem.path);
    const text = `${this.file}:${line}:${col}: ${where ? `${where}: ` : ''}${problem.message}`;
    return { line, column: col, text };
  }

  /** Locates every problem, sorted by position, without duplicates. */
  locateAll(problems: readonly Problem[]): LocatedProblem[] {
    const seen = new Set<string>();
    return problems
      .map((p) => this.locate(p))
      .filter((p) => !seen.has(p.text) && seen.add(p.text))
      .sort((a, b) => a.line - b.line || a.column - b.column);
  }

  /**
   * Offset of the node at `path`; when it does not exist, of the key of its deepest existing
   * ancestor (a missing field is reported where its parent is).
   */
  private offsetOf(path: Path, at: 'key' | 'value'): number {
    let node: unknown = this.doc.contents;
    let keyOffset: number | undefined;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i] as PropertyKey;
      const pair = isMap(node) ? node.items.find((p) => isPair(p) && keyMatches(p.key, seg)) : undefined;
      let next: unknown;
      let nextKeyOffset: number | undefined;
      if (pair) {
        next = pair.value;
        nextKeyOffset = isNode(pair.key) ? pair.key.range?.[0] : undefined;
      } else if (typeof seg === 'number' && node !== null && typeof node === 'object' && 'items' in node) {
        const item: unknown = (node.items as unknown[])[seg];
        next = isPair(item) ? item.value : item;
        nextKeyOffset = isNode(next) ? next.range?.[0] : undefined;
      }
      if (next === undefined || next === null) {
        if (pair && nextKeyOffset !== undefined) return nextKeyOffset;
        return keyOffset ?? nodeStart(node);
      }
      if (at === 'key' && i === path.length - 1 && nextKeyOffset !== undefined) return nextKeyOffset;
      node = next;
      keyOffset = nextKeyOffset;
    }
    return nodeStart(node);
  }
}

function keyMatches(key: unknown, seg: PropertyKey): boolean {
  const k = isScalar(key) ? key.value : key;
  return k === seg || String(k) === String(seg);
}

function nodeStart(node: unknown): number {
  return isNode(node) && node.range ? node.range[0] : 0;
}

/** `s` on one line and at most `max` characters ('…' marks the cut): keys of a broken file can be huge. */
export function clip(s: string, max = 40): string {
  const line = s.replace(/\s+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** defaults.load.connections, cases[1].payload.shape, matrix.payload.size[2] */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${clip(String(seg))}` : clip(String(seg));
  }
  return out;
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${clip(v)}'`;
  return String(v);
}

const expectedNames: Record<string, string> = { int: 'an integer', object: 'a mapping', array: 'a list' };

/** Keys of the object schema reached from `schema` by `path`, for "valid keys: ..." hints. */
export function keysAt(schema: z.ZodType, path: Path): string[] | undefined {
  let s: z.ZodType | undefined = schema;
  let i = 0;
  while (s) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = s.in as z.ZodType;
    } else if (i === path.length) {
      return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
    } else if (s instanceof z.ZodObject) {
      s = (s.shape as Record<string, z.ZodType>)[String(path[i++])];
    } else if (s instanceof z.ZodArray) {
      s = s.element as z.ZodType;
      i++;
    } else if (s instanceof z.ZodRecord) {
      s = s.valueType as z.ZodType;
      i++;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

/** " (did you mean 'x'?)" when one choice is close to `input`. */
export function suggest(input: string, choices: readonly string[]): string {
  if (input.length > 64) return '';
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of choices) {
    const d = distance(input.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3))
    ? ` (did you mean '${best}'?)`
    : '';
}

/**
 * Turns zod issues into problems with readable messages and the valid choices.
 * `prefix` is where `schema` sits in the file; `root` is the value `schema` parsed.
 */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  root: unknown,
  prefix: Path = [],
): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const value = valueAt(root, issue.path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const valid = keysAt(schema, issue.path) ?? [];
        for (const key of issue.keys) {
          out.push({
            path: [...path, key],
            at: 'key',
            message: `unknown key '${clip(key)}'${suggest(key, valid)}; valid keys: ${valid.join(', ')}`,
          });
        }
        break;
      }
      case 'invalid_value': {
        const choices = issue.values.map(String);
        out.push({
          path,
          message: `invalid value ${describe(value)}${typeof value === 'string' ? suggest(value, choices) : ''}; valid: ${choices.join(', ')}`,
        });
        break;
      }
      case 'invalid_type':
        out.push({
          path,
          message:
            value === undefined
              ? `missing (expected ${issue.expected})`
              : `expected ${expectedNames[issue.expected] ?? issue.expected}, got ${describe(value)}`,
        });
        break;
      case 'too_small':
      case 'too_big': {
        const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const what =
          issue.origin === 'array'
            ? `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} item(s)`
            : issue.origin === 'string'
              ? `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} character(s)`
              : `must be ${op} ${String(bound)}, got ${describe(value)}`;
        out.push({ path, message: what });
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}
