/**
 * The scenario file format, as zod schemas. The same schemas validate files (src/scenario/load.ts)
 * and generate scenarios/schema.json (`npm run schema`) for editor completion.
 *
 * Field values keep human units in the file ('10s', '1KiB'); the schemas transform them, so the
 * parsed output holds milliseconds and bytes.
 */
import { z } from 'zod';
import { messageShapes } from '../message.js';
import { patternNames, type PatternName } from '../patterns/registry.js';
import { Duration, PositiveDuration, Size, formatDurationMs, formatSize } from '../units.js';
import { bounds } from '../plan/bounds.js';
import {
  Connections,
  Count,
  InFlight,
  MaxInFlight,
  Rate,
  Repeat,
  Subscribers,
  PacingField,
  VerifyEvery,
  Workers,
  Processes,
} from '../plan/fields.js';
import { RequestBlock } from '../plan/request.js';
import { loadDefinitions, loadFieldShape, loadModelNames, modelsWithField } from '../engine/load/registry.js';
import { allowedCpus, cpuProblems } from '../proc/placement.js';

export {
  Connections,
  Count,
  InFlight,
  MaxInFlight,
  PacingField,
  Rate,
  Repeat,
  Subscribers,
  VerifyEvery,
  Workers,
  Processes,
};

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));

/** `schema` (whose output is a number) refused above `max`, with `unit` formatting the bound. */
function atMost<T extends z.ZodType<number, unknown>>(schema: T, max: number, unit: (n: number) => string) {
  return schema.superRefine((n, ctx) => {
    if (n > max)
      ctx.addIssue({
        code: 'custom',
        input: n,
        message: `must be at most ${unit(max)}, got ${unit(n)}`,
      });
  });
}

/** 12h, 1h, 90s: a bound or an out-of-bound value, in the largest whole unit. */
function formatBoundMs(ms: number): string {
  return ms >= 3_600_000 && ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : formatDurationMs(ms);
}
/** 8MiB, 4GiB, 1500B. */
function formatBoundBytes(n: number): string {
  return n >= 1024 ** 3 && n % 1024 ** 3 === 0
    ? `${n / 1024 ** 3}GiB`
    : n >= 1024 && n % 1024 === 0
      ? formatSize(n)
      : `${n}B`;
}
const durationAtMost = (schema: typeof Duration, max: number, description: string) =>
  atMost(schema, max, formatBoundMs).meta({
    description: `${description} (at most ${formatBoundMs(max)})`,
  });

/** Fields of one level with their bounds (`defaults`, a case; CLI flags parse with the same). */
export const WindowDuration = durationAtMost(
  PositiveDuration,
  bounds.durationMs,
  'measured window per repetition',
);
export const Warmup = durationAtMost(Duration, bounds.warmupMs, 'unmeasured run before every repetition');
export const Timeout = durationAtMost(PositiveDuration, bounds.timeoutMs, 'per-operation timeout');
export const ServerDelay = durationAtMost(
  Duration,
  bounds.serverDelayMs,
  'artificial service time the started server adds before each response',
);

/** payload.size: a Size of at most bounds.payloadSize. */
export const PayloadSize = atMost(Size, bounds.payloadSize, formatBoundBytes).meta({
  description: `length of the JSON serialization of the echoed record (at most ${formatSize(bounds.payloadSize)})`,
});

export const PatternNameSchema = z.enum(patternNames as [PatternName, ...PatternName[]]).meta({
  id: 'PatternName',
  description: 'a communication pattern',
});
export const Shape = z.enum(messageShapes).meta({
  id: 'Shape',
  description: 'mixed: half items, half text; text: one string; items: only structured items',
});
export const loadModels = loadModelNames;

/**
 * `load`: the models' schema fragments together (src/engine/load/registry.ts), one object because
 * levels merge field by field (a model named in defaults, its rate in a case). A level that names
 * its model may set only that model's fields.
 */
export const Load = z
  .strictObject({
    model: z
      .enum(loadModels)
      .optional()
      .meta({
        description: loadModelNames.map((n) => `${n}: ${loadDefinitions[n].summary}`).join('; '),
      }),
    connections: Connections.optional(),
    inFlight: InFlight.optional(),
    subscribers: Subscribers.optional(),
    ...loadFieldShape,
  })
  .superRefine((load, ctx) => {
    if (load.model === undefined) return;
    const accepted = loadDefinitions[load.model].shape;
    for (const key of Object.keys(loadFieldShape)) {
      if (key in accepted || (load as Record<string, unknown>)[key] === undefined) continue;
      const models = modelsWithField(key).join(', ');
      ctx.addIssue({ code: 'custom', path: [key], message: `'${key}' applies only to model: ${models}` });
    }
  })
  .meta({ id: 'Load' });

export const Payload = z
  .strictObject({
    size: PayloadSize.optional(),
    shape: Shape.optional(),
  })
  .meta({ id: 'Payload' });

export const Server = z
  .strictObject({
    delay: ServerDelay.optional(),
    processes: Count.max(bounds.processes)
      .meta({
        description: `server processes started for the case, each on its own port (the driver spreads connections over them; CPU, memory and descriptors are summed); request/response patterns and held connections (at most ${bounds.processes})`,
      })
      .optional(),
  })
  .meta({ id: 'Server' });

/** CPU numbers as Linux counts them (0-based), e.g. [1] or [2, 3]; each must be one this process may use. */
const CpuList = z
  .array(z.int().min(0))
  .min(1)
  .superRefine((cpus, ctx) => {
    for (const message of cpuProblems(cpus, allowedCpus())) ctx.addIssue({ code: 'custom', message });
  })
  .meta({ id: 'CpuList', description: 'CPU numbers (0-based, as in /proc/cpuinfo and taskset -c)' });

/**
 * CPU placement (Linux only, through taskset): the server process (and every helper it starts:
 * hops, proxies) runs only on `server`, the driver (this process and its worker threads) only on
 * `driver`, so "the server had a whole core" is a fact, recorded in the result.
 */
export const Placement = z
  .strictObject({
    server: CpuList.optional(),
    driver: CpuList.optional(),
  })
  .meta({
    id: 'Placement',
    description:
      'Linux: pin the server (and its helper processes) and the driver to CPUs, e.g. { server: [1], driver: [0] }',
  });

/**
 * An existing server's URL, with a scheme and a host ('http://127.0.0.1:8080'). Whether the scheme
 * is one the case's pattern speaks is checked once the pattern is known (targetProblem).
 */
export const Target = z
  .string({ error: (iss) => `expected a URL such as 'http://127.0.0.1:8080', got ${show(iss.input)}` })
  .superRefine((v, ctx) => {
    const message = urlProblem(v);
    if (message) ctx.addIssue({ code: 'custom', input: v, message });
  })
  .meta({ description: 'drive this existing server instead of starting one (scheme://host:port)' });

function urlProblem(v: string): string | undefined {
  if (/^[^/:]+:\d+(\/|$)/.test(v))
    return `invalid URL ${show(v)}: no scheme; write it with one, e.g. 'http://${v}'`;
  if (!URL.canParse(v))
    return `invalid URL ${show(v)}: expected scheme://host:port, e.g. 'http://127.0.0.1:8080'`;
  const url = new URL(v);
  if (url.host === '') return `invalid URL ${show(v)}: no host; expected scheme://host:port`;
  return undefined;
}

/** URL schemes a target may have, by the pattern's own scheme (gRPC here is plaintext HTTP/2). */
const acceptedSchemes: Record<string, string[]> = {
  http: ['http', 'https'],
  ws: ['ws', 'wss'],
  grpc: ['grpc', 'http'],
};

/** Why `url` is no target for a pattern whose endpoints use `scheme`; undefined when it is one. */
export function targetProblem(url: string, scheme: string): string | undefined {
  const base = urlProblem(url);
  if (base) return base;
  const protocol = new URL(url).protocol.slice(0, -1);
  const accepted = acceptedSchemes[scheme] ?? [scheme];
  if (accepted.includes(protocol)) return undefined;
  return `scheme '${protocol}' in ${show(url)} is not one this pattern speaks; expected ${accepted
    .map((s) => `${s}://`)
    .join(' or ')}`;
}

const OpenOptions = z.record(z.string(), z.unknown());

/**
 * `options:` keyed by pattern name. Files are checked against OpenOptions here; each block is then
 * checked by its pattern's own schema (load.ts). gen-schema passes the patterns' schemas in so that
 * schema.json offers their options.
 */
function optionsSchema(patternSchemas: Partial<Record<PatternName, z.ZodType>>) {
  const shape: Record<string, z.ZodOptional<z.ZodType>> = {};
  for (const name of patternNames) shape[name] = (patternSchemas[name] ?? OpenOptions).optional();
  return z.strictObject(shape).meta({ description: 'pattern-specific options, keyed by pattern name' });
}

function fieldShape(patternSchemas: Partial<Record<PatternName, z.ZodType>>) {
  return {
    pattern: PatternNameSchema.optional(),
    duration: WindowDuration.optional(),
    warmup: Warmup.optional(),
    repeat: Repeat.optional(),
    timeout: Timeout.optional(),
    workers: Workers.optional(),
    processes: Processes.optional(),
    pacing: PacingField.optional(),
    verifyEvery: VerifyEvery.optional(),
    load: Load.optional(),
    payload: Payload.optional(),
    server: Server.optional(),
    placement: Placement.optional(),
    options: optionsSchema(patternSchemas).optional(),
    target: Target.optional(),
    ...requestField,
  };
}

/** Your own service: `request` (src/plan/request.ts), merged key by key over defaults. */
const requestField = { request: RequestBlock.optional() };

/** Dotted paths that may be matrix dimensions, with the schema of one value. */
export const matrixDimensions = {
  pattern: PatternNameSchema,
  'payload.size': PayloadSize,
  'payload.shape': Shape,
  'load.connections': Connections,
  'load.inFlight': InFlight,
  'load.rate': Rate,
  'load.subscribers': Subscribers,
  workers: Workers,
  'server.delay': ServerDelay,
} as const;
export type MatrixKey = keyof typeof matrixDimensions;
export const matrixKeys = Object.keys(matrixDimensions) as MatrixKey[];

function dimension<T extends z.ZodType>(value: T) {
  return z
    .array(value)
    .min(1)
    .superRefine((values, ctx) => {
      values.forEach((v, i) => {
        if (values.indexOf(v) < i) ctx.addIssue({ code: 'custom', path: [i], message: 'duplicate value' });
      });
    });
}

function matrixSchema() {
  return z
    .strictObject({
      pattern: dimension(matrixDimensions.pattern).optional(),
      'payload.size': dimension(matrixDimensions['payload.size']).optional(),
      'payload.shape': dimension(matrixDimensions['payload.shape']).optional(),
      'load.connections': dimension(matrixDimensions['load.connections']).optional(),
      'load.inFlight': dimension(matrixDimensions['load.inFlight']).optional(),
      'load.rate': dimension(matrixDimensions['load.rate']).optional(),
      'load.subscribers': dimension(matrixDimensions['load.subscribers']).optional(),
      workers: dimension(matrixDimensions.workers).optional(),
      'server.delay': dimension(matrixDimensions['server.delay']).optional(),
    })
    .meta({ description: 'dimensions whose cartesian product is run for every case' });
}

/** Builds the scenario schema; `patternSchemas` only matters for JSON Schema generation. */
export function makeScenarioSchema(patternSchemas: Partial<Record<PatternName, z.ZodType>> = {}) {
  const fields = fieldShape(patternSchemas);
  const Defaults = z
    .strictObject(fields)
    .meta({ description: 'settings of every case unless it says otherwise' });
  const Case = z
    .strictObject({
      label: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'short text put into the case id after the pattern name' }),
      ...fields,
    })
    .meta({ description: 'one case, merged over defaults; the matrix is applied to each case' });
  return z
    .strictObject({
      $schema: z.string().optional(),
      name: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
          error: 'use letters, digits, . _ - (it names result files)',
        })
        .optional()
        .meta({ description: 'scenario name (default: the file name); used in result file names' }),
      description: z.string().optional(),
      question: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'the question the scenario answers, shown first in every report' }),
      baseline: z.string().min(1).optional().meta({
        description:
          'the row the answer compares others with: a pattern name or a case label (default: tcp, else the first pattern)',
      }),
      thresholds: z.array(z.string().min(1)).optional().meta({
        description:
          "k6-style thresholds commbench check applies to this scenario's results, e.g. 'grpc.p99<2ms'",
      }),
      defaults: Defaults.optional(),
      matrix: matrixSchema().optional(),
      cases: z.array(Case).min(1).optional().meta({
        description: 'explicit cases (default: one case made of the defaults)',
      }),
    })
    .meta({ title: 'commbench scenario' });
}

export const ScenarioSchema = makeScenarioSchema();
/** A parsed scenario file: units resolved (ms, bytes), nothing defaulted yet. */
export type Scenario = z.output<typeof ScenarioSchema>;
/** The settings one level (defaults, a case, a matrix combination, CLI overrides) contributes. */
export type Fields = NonNullable<Scenario['defaults']>;
export type CaseFields = NonNullable<Scenario['cases']>[number];
export type Matrix = NonNullable<Scenario['matrix']>;

/** scenarios/schema.json: JSON Schema (draft 2020-12) of the file as written. */
export function scenarioJsonSchema(patternSchemas: Partial<Record<PatternName, z.ZodType>> = {}): unknown {
  return z.toJSONSchema(makeScenarioSchema(patternSchemas), {
    io: 'input',
    unrepresentable: 'any',
    reused: 'inline',
  });
}
