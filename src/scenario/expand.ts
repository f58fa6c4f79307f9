/**
 * Matrix expansion: a parsed scenario (plus CLI overrides) → fully resolved cases with readable,
 * unique ids. Pure; problems are returned with their paths in the file, never thrown.
 */
import type { z } from 'zod';
import {
  describeLoad,
  impliedModel,
  loadDefinition,
  loadDefinitions,
  modelsWithField,
} from '../engine/load/registry.js';
import type { PatternName } from '../patterns/registry.js';
import { formatDurationMs } from '../units.js';
import { bounds, caseLimitProblems, type MachineLimits } from './limits.js';
import type { Problem, Path } from './problems.js';
import type { Fields, MatrixKey, Scenario, matrixDimensions } from './schema.js';
import type { CaseSpec } from '../plan/types.js';

/** What every case gets unless the file or the command line says otherwise. */
export const builtinDefaults = {
  durationMs: 10_000,
  warmupMs: 2000,
  repeat: 1,
  timeoutMs: 5000,
  workers: 1,
  verifyEvery: 100,
  connections: 10,
  inFlight: 1,
  maxInFlight: 1000,
  payloadSize: 1024,
  payloadShape: 'mixed',
  serverDelayMs: 0,
} as const;

/** CLI overrides after parsing (see overrides.ts). */
export interface OverrideLayer {
  /** Applied over defaults, cases and matrix values. */
  readonly fields: Fields;
  /** Matrix dimensions the override replaces (e.g. --payload replaces payload.size). */
  readonly clears: readonly MatrixKey[];
  /** --pattern: only cases of these patterns run, so only theirs are checked against the machine. */
  readonly patterns?: readonly string[] | undefined;
}

/** A resolved case before it gets its id. */
export interface ResolvedCase {
  readonly spec: Omit<CaseSpec, 'id'>;
  readonly label?: string;
  /** Where spec.target was set: a path in the file, or the --target flag. */
  readonly targetFrom?: Origin;
  /** Where spec.workers was set, when it is more than 1. */
  readonly workersFrom?: Origin;
}

/** Where a resolved value was set: a path in the file, a command-line flag, or a built-in default. */
export type Origin = { readonly path: Path } | { readonly flag: string } | { readonly builtin: true };

type DimValue<K extends MatrixKey> = z.output<(typeof matrixDimensions)[K]>;

const dimToFields: { [K in MatrixKey]: (v: DimValue<K>) => Fields } = {
  pattern: (pattern) => ({ pattern }),
  'payload.size': (size) => ({ payload: { size } }),
  'payload.shape': (shape) => ({ payload: { shape } }),
  'load.connections': (connections) => ({ load: { connections } }),
  'load.inFlight': (inFlight) => ({ load: { inFlight } }),
  'load.rate': (rate) => ({ load: { model: impliedModel({ rate }), rate } }),
  'load.subscribers': (subscribers) => ({ load: { subscribers } }),
  workers: (workers) => ({ workers }),
  'server.delay': (delay) => ({ server: { delay } }),
};

/** A case that sets a dimension's field itself is not expanded along that dimension. */
const pinnedBy: { [K in MatrixKey]: (f: Fields) => boolean } = {
  pattern: (f) => f.pattern !== undefined,
  'payload.size': (f) => f.payload?.size !== undefined,
  'payload.shape': (f) => f.payload?.shape !== undefined,
  'load.connections': (f) => f.load?.connections !== undefined,
  'load.inFlight': (f) => f.load?.inFlight !== undefined,
  'load.rate': (f) => f.load?.rate !== undefined,
  'load.subscribers': (f) => f.load?.subscribers !== undefined,
  workers: (f) => f.workers !== undefined,
  'server.delay': (f) => f.server?.delay !== undefined,
};

function dimLayers<K extends MatrixKey>(key: K, values: readonly DimValue<K>[]): Fields[] {
  return values.map((v) => dimToFields[key](v));
}

function defined<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (o) for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function mergeObj<T extends object>(a: T | undefined, b: T | undefined): T | undefined {
  return a || b ? ({ ...defined(a), ...defined(b) } as T) : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

export function mergeFields(a: Fields, b: Fields): Fields {
  return {
    ...defined(a),
    ...defined(b),
    load: mergeObj(a.load, b.load),
    payload: mergeObj(a.payload, b.payload),
    server: mergeObj(a.server, b.server),
    placement: mergeObj(a.placement, b.placement),
    request: mergeObj(a.request, b.request),
    options: a.options || b.options ? deepMerge(a.options ?? {}, b.options ?? {}) : undefined,
  };
}

interface Layer {
  readonly fields: Fields;
  /** Where the layer is written in the file; undefined for CLI overrides and the implicit case. */
  readonly path: Path | undefined;
  readonly cli?: boolean;
}

/** The command-line flag that sets a matrix key's field (see overrides.ts). */
const flagOf: Partial<Record<MatrixKey, string>> = {
  'load.connections': '--connections',
  'load.rate': '--rate',
  'payload.size': '--payload',
  workers: '--workers',
};

/** The layer that set `key`'s field last (later layers win), as an Origin. */
function originOf(layers: readonly Layer[], key: MatrixKey, casePath: Path | undefined): Origin {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i] as Layer;
    if (!pinnedBy[key](l.fields)) continue;
    if (l.cli) return { flag: flagOf[key] ?? key };
    if (l.path?.[0] === 'matrix') return { path: ['matrix', key] };
    return { path: [...(l.path ?? casePath ?? []), ...key.split('.')] };
  }
  return { builtin: true };
}

/** A problem at `origin` (for a flag: path [] and the flag named in `flag`). */
export function problemAt(origin: Origin, casePath: Path | undefined, message: string): Problem {
  if ('flag' in origin) return { path: [], flag: origin.flag, message };
  if ('path' in origin) return { path: origin.path, message };
  return { path: casePath ?? [], message: `${message} (built-in default)` };
}

/**
 * Expands every case (explicit or the single implicit one) along the matrix dimensions, in the
 * order the file lists them (first = outermost). Layers, later wins: defaults, case, matrix values
 * (skipped where the case pins the field), overrides.
 */
export function expandScenario(
  scenario: Scenario,
  opts: {
    matrixOrder?: readonly string[];
    overrides?: OverrideLayer;
    /** When given, every case is also checked against what this machine can hold. */
    limits?: MachineLimits;
  } = {},
): { cases: ResolvedCase[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const matrix = scenario.matrix ?? {};
  const cleared = new Set(opts.overrides?.clears ?? []);
  const order = [...(opts.matrixOrder ?? []), ...Object.keys(matrix)].filter(
    (k, i, all): k is MatrixKey => all.indexOf(k) === i && k in matrix && !cleared.has(k as MatrixKey),
  );
  const explicit = scenario.cases ?? [{}];
  const cases: ResolvedCase[] = [];
  // Count before building: a matrix of a few long lists multiplies to more cases than memory holds.
  const planned = explicit.reduce((sum, c) => {
    const dims = order.filter((k) => !pinnedBy[k](c as Fields));
    return sum + dims.reduce((n, k) => n * (matrix[k]?.length ?? 1), 1);
  }, 0);
  if (planned > bounds.cases) {
    problems.push({
      path: scenario.matrix ? ['matrix'] : ['cases'],
      at: 'key',
      message: `expands to ${planned.toLocaleString('en-US')} cases; at most ${bounds.cases.toLocaleString('en-US')} in one plan: use fewer matrix values or split the scenario`,
    });
    return { cases, problems };
  }

  explicit.forEach((c, index) => {
    const casePath: Path | undefined = scenario.cases ? ['cases', index] : undefined;
    const { label, ...caseFields } = c as { label?: string } & Fields;
    const dims = order.filter((k) => !pinnedBy[k](caseFields));
    const caseModel = caseFields.load?.model;
    if (
      dims.includes('load.rate') &&
      caseModel !== undefined &&
      !modelsWithField('rate').includes(caseModel)
    ) {
      problems.push({
        path: [...(casePath ?? []), 'load', 'model'],
        message: `model '${caseModel}' conflicts with the matrix dimension load.rate (which makes the load open)`,
      });
      return;
    }
    let combos: Fields[] = [{}];
    for (const key of dims) {
      const layers = dimLayers(key, (matrix[key] ?? []) as readonly DimValue<typeof key>[]);
      combos = combos.flatMap((combo) => layers.map((l) => mergeFields(combo, l)));
    }
    for (const combo of combos) {
      const layers: Layer[] = [
        { fields: scenario.defaults ?? {}, path: ['defaults'] },
        { fields: caseFields, path: casePath },
        { fields: combo, path: ['matrix'] },
      ];
      if (opts.overrides) layers.push({ fields: opts.overrides.fields, path: undefined, cli: true });
      const resolved = resolveCase(layers, casePath, problems);
      if (!resolved) continue;
      // A case --pattern leaves out never runs: what it would ask of the machine does not matter.
      const runs = opts.overrides?.patterns?.includes(resolved.pattern) ?? true;
      if (opts.limits && runs) {
        for (const p of caseLimitProblems(resolved, opts.limits))
          problems.push(problemAt(originOf(layers, p.field, casePath), casePath, p.message));
      }
      const targetFrom = resolved.target === undefined ? undefined : targetOrigin(layers, casePath);
      const workersFrom = resolved.workers > 1 ? originOf(layers, 'workers', casePath) : undefined;
      cases.push({
        spec: resolved,
        ...(label === undefined ? {} : { label }),
        ...(targetFrom ? { targetFrom } : {}),
        ...(workersFrom ? { workersFrom } : {}),
      });
    }
  });
  return { cases, problems };
}

function targetOrigin(layers: readonly Layer[], casePath: Path | undefined): Origin {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i] as Layer;
    if (l.fields.target === undefined) continue;
    if (l.cli) return { flag: '--target' };
    return { path: [...(l.path ?? casePath ?? []), 'target'] };
  }
  return { builtin: true };
}

function resolveCase(
  layers: readonly Layer[],
  casePath: Path | undefined,
  problems: Problem[],
): Omit<CaseSpec, 'id'> | undefined {
  const f = layers.reduce<Fields>((acc, l) => mergeFields(acc, l.fields), {});
  const pattern: PatternName | undefined = f.pattern;
  if (pattern === undefined) {
    problems.push({
      path: casePath ?? [],
      message: "no pattern: set 'pattern' in this case, in defaults, or as a matrix dimension",
    });
    return undefined;
  }
  const model = f.load?.model ?? impliedModel(f.load);
  const base = {
    connections: f.load?.connections ?? builtinDefaults.connections,
    inFlight: f.load?.inFlight ?? builtinDefaults.inFlight,
    maxInFlight: f.load?.maxInFlight ?? builtinDefaults.maxInFlight,
    ...(f.load?.subscribers === undefined ? {} : { subscribers: f.load.subscribers }),
  };
  const load = loadDefinitions[model].resolve(f.load ?? {}, base);
  if (typeof load === 'string') {
    const where = [...layers].reverse().find((l) => l.fields.load?.model !== undefined)?.path;
    problems.push({ path: where ? [...where, 'load', 'model'] : (casePath ?? []), message: load });
    return undefined;
  }
  const workers = f.workers ?? builtinDefaults.workers;
  const options = f.options?.[pattern];
  return {
    pattern,
    options: isPlainObject(options) ? options : {},
    load,
    loadInfo: describeLoad(load, workers),
    payload: {
      size: f.payload?.size ?? builtinDefaults.payloadSize,
      shape: f.payload?.shape ?? builtinDefaults.payloadShape,
    },
    durationMs: f.duration ?? builtinDefaults.durationMs,
    warmupMs: f.warmup ?? builtinDefaults.warmupMs,
    repeat: f.repeat ?? builtinDefaults.repeat,
    timeoutMs: f.timeout ?? builtinDefaults.timeoutMs,
    workers,
    ...(f.processes === undefined || f.processes === 1 ? {} : { processes: f.processes }),
    ...(f.pacing === undefined ? {} : { pacing: f.pacing }),
    serverDelayMs: f.server?.delay ?? builtinDefaults.serverDelayMs,
    ...(f.server?.processes === undefined || f.server.processes === 1
      ? {}
      : { serverProcesses: f.server.processes }),
    verifyEvery: f.verifyEvery ?? builtinDefaults.verifyEvery,
    ...(f.target === undefined ? {} : { target: f.target }),
    ...(f.request === undefined ? {} : { request: f.request }),
    ...(f.placement === undefined ? {} : { placement: f.placement }),
  };
}

/** 64B, 1KiB, 16KiB, 1MiB, 1500B: exact, for ids. */
export function formatSizeExact(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return `${bytes}B`;
}

function flatten(o: Record<string, unknown>, prefix = ''): [string, string][] {
  return Object.entries(o).flatMap(([k, v]) =>
    isPlainObject(v)
      ? flatten(v, `${prefix}${k}.`)
      : [[`${prefix}${k}`, JSON.stringify(v)] as [string, string]],
  );
}

type Component = (c: ResolvedCase) => string | undefined;

const loadIdParts = (c: ResolvedCase) => loadDefinition(c.spec.load).idParts(c.spec.load);

/** Id parts after the pattern and label, in order; a part appears only when it varies in the plan. */
const components: Component[] = [
  (c) => loadIdParts(c).model,
  (c) => `c=${c.spec.load.connections}`,
  (c) => `inflight=${c.spec.load.inFlight}`,
  (c) => loadIdParts(c).rate,
  (c) => loadIdParts(c).max,
  (c) => (c.spec.load.subscribers === undefined ? undefined : `subs=${c.spec.load.subscribers}`),
  (c) => formatSizeExact(c.spec.payload.size),
  (c) => c.spec.payload.shape,
  (c) => `w=${c.spec.workers}`,
  (c) => (c.spec.processes === undefined ? undefined : `p=${c.spec.processes}`),
  (c) => `delay=${formatDurationMs(c.spec.serverDelayMs)}`,
  (c) => `d=${formatDurationMs(c.spec.durationMs)}`,
  (c) => `warmup=${formatDurationMs(c.spec.warmupMs)}`,
  (c) => `timeout=${formatDurationMs(c.spec.timeoutMs)}`,
  (c) => `x${c.spec.repeat}`,
  (c) => `verify=${c.spec.verifyEvery}`,
  (c) =>
    c.spec.target === undefined
      ? undefined
      : `@${URL.canParse(c.spec.target) ? new URL(c.spec.target).host || c.spec.target : c.spec.target}`,
];

/**
 * Gives every case a readable id: the pattern, its label if any, then only what tells it apart from
 * the other cases of the plan ('rest c=50 1KiB'; a duration that varies is left out when the
 * payload already distinguishes the cases). Option values that differ between unlabelled cases of one pattern are
 * shown as key=value. Remaining duplicates get ' #2', ' #3'.
 */
export function assignIds(cases: readonly ResolvedCase[]): CaseSpec[] {
  const varying = components.filter((get) => new Set(cases.map(get)).size > 1);
  const optionParts = new Map<ResolvedCase, string[]>();
  for (const pattern of new Set(cases.map((c) => c.spec.pattern))) {
    const group = cases.filter((c) => c.spec.pattern === pattern && c.label === undefined);
    const flat = group.map((c) => new Map(flatten(c.spec.options)));
    const keys = [...new Set(flat.flatMap((m) => [...m.keys()]))].filter(
      (k) => new Set(flat.map((m) => m.get(k))).size > 1,
    );
    group.forEach((c, i) => {
      const m = flat[i] ?? new Map<string, string>();
      optionParts.set(
        c,
        keys.filter((k) => m.has(k)).map((k) => `${k}=${(m.get(k) ?? '').replace(/^"(.*)"$/, '$1')}`),
      );
    });
  }
  const parts = cases.map((c) => [
    c.spec.pattern,
    ...(c.label === undefined ? [] : [c.label]),
    ...(optionParts.get(c) ?? []),
  ]);
  // A varying component is kept only when it tells apart cases that would otherwise share an id.
  for (const get of varying) {
    const before = new Map<string, Set<string>>();
    cases.forEach((c, i) => {
      const key = parts[i]!.join(' ');
      before.set(key, (before.get(key) ?? new Set()).add(get(c) ?? ''));
    });
    if (![...before.values()].some((values) => values.size > 1)) continue;
    cases.forEach((c, i) => {
      const part = get(c);
      if (part !== undefined) parts[i]!.push(part);
    });
  }
  const seen = new Map<string, number>();
  return cases.map((c, i) => {
    let id = parts[i]!.join(' ');
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    if (n > 1) id = `${id} #${n}`;
    return { id, ...(c.label === undefined ? {} : { label: c.label }), ...c.spec };
  });
}

/** Rough wall time of a plan: every repetition's warm-up and window, plus a server start per case. */
export function estimatePlanMs(plan: { cases: readonly CaseSpec[] }, serverStartMs = 500): number {
  return plan.cases.reduce((sum, c) => sum + c.repeat * repetitionMs(c) + serverStartMs, 0);
}

/** One repetition's wall time, estimated: warm-up and window, or a search's steps (each after a short settle). */
export function repetitionMs(c: Pick<CaseSpec, 'warmupMs' | 'durationMs' | 'loadInfo'>): number {
  const windows = c.loadInfo.windows ?? 1;
  return c.warmupMs + windows * c.durationMs + (windows - 1) * Math.min(c.warmupMs, 500);
}
