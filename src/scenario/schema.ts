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
import { RequestBlock } from '../patterns/request/schema.js';
import { durationHelp, parseDuration, parseSize, sizeHelp } from '../units.js';

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));

const durationPattern = '^\\s*\\d+(\\.\\d+)?\\s*([uU][sS]|µs|[mM][sS]|[sS]|[mM]|[hH])?\\s*$';
const sizePattern = '^\\s*\\d+(\\.\\d+)?\\s*([bB]|[kKmMgG][bB]|[kKmMgG][iI][bB]|[kKmM])?\\s*$';

function durationSchema(min: 'positive' | 'nonnegative', id: string) {
  return z
    .union([z.number(), z.string().meta({ pattern: durationPattern })], {
      error: () => `expected ${durationHelp}`,
    })
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: v,
          message: `invalid duration ${show(v)}: expected ${durationHelp}`,
        });
        return z.NEVER;
      }
      if (min === 'positive' && ms <= 0) {
        ctx.issues.push({ code: 'custom', input: v, message: `must be longer than 0, got ${show(v)}` });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ id, description: `${durationHelp}`, examples: ['10s', '500ms'] });
}

/** A duration > 0 ('10s', '500ms', bare number = ms) → ms. */
export const PositiveDuration = durationSchema('positive', 'PositiveDuration');
/** A duration ≥ 0 → ms. */
export const Duration = durationSchema('nonnegative', 'Duration');

/** A size ('64', '1KiB', bare number = bytes) → bytes. */
export const Size = z
  .union([z.number(), z.string().meta({ pattern: sizePattern })], { error: () => `expected ${sizeHelp}` })
  .transform((v, ctx) => {
    const bytes = parseSize(v);
    if (bytes === undefined) {
      ctx.issues.push({ code: 'custom', input: v, message: `invalid size ${show(v)}: expected ${sizeHelp}` });
      return z.NEVER;
    }
    return bytes;
  })
  .meta({ id: 'Size', description: sizeHelp, examples: [64, '1KiB', '16KiB'] });

/** An integer ≥ 1 (connections, workers, repeat, ...). */
export const Count = z.int().min(1).meta({ id: 'Count' });
/** Operations per second, > 0. */
export const Rate = z.number().positive().meta({ id: 'Rate', description: 'operations per second' });
export const PatternNameSchema = z.enum(patternNames as [PatternName, ...PatternName[]]).meta({
  id: 'PatternName',
  description: 'a communication pattern',
});
export const Shape = z.enum(messageShapes).meta({
  id: 'Shape',
  description: 'mixed: half items, half text; text: one string; items: only structured items',
});
export const loadModels = ['closed', 'rate', 'connections'] as const;

export const Load = z
  .strictObject({
    model: z
      .enum(loadModels)
      .optional()
      .meta({
        description:
          "closed: 'connections' clients each keep 'inFlight' operations outstanding, as fast as possible; " +
          "rate: open loop at 'rate' operations/s (default when 'rate' is given, else closed); " +
          "connections: open 'connections' idle connections (or subscriptions), hold them for the duration, " +
          'report server memory and file descriptors per connection',
      }),
    connections: Count.optional(),
    inFlight: Count.optional().meta({
      description: 'most operations outstanding on one connection (1 = no pipelining; default 1)',
    }),
    rate: Rate.optional(),
    subscribers: z.int().min(0).optional().meta({
      description:
        'push and queue patterns: subscribers (consumers) opened in the driver, each receiving deliveries (default 1)',
    }),
    maxInFlight: Count.optional().meta({
      description: 'rate: operations outstanding or queued at which a due one is dropped (default 1000)',
    }),
  })
  .superRefine((load, ctx) => {
    if (load.model === 'closed' || load.model === 'connections') {
      for (const key of ['rate', 'maxInFlight'] as const) {
        if (load[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `'${key}' applies only to model: rate` });
        }
      }
    }
  })
  .meta({ id: 'Load' });

export const Payload = z
  .strictObject({
    size: Size.optional().meta({ description: 'length of the JSON serialization of the echoed record' }),
    shape: Shape.optional(),
  })
  .meta({ id: 'Payload' });

export const Server = z
  .strictObject({
    delay: Duration.optional().meta({
      description: 'artificial service time the started server adds before each response',
    }),
  })
  .meta({ id: 'Server' });

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
    duration: PositiveDuration.optional().meta({ description: 'measured window per repetition' }),
    warmup: Duration.optional().meta({ description: 'unmeasured run before every repetition' }),
    repeat: Count.optional().meta({ description: 'repetitions of each case' }),
    timeout: PositiveDuration.optional().meta({ description: 'per-operation timeout' }),
    workers: Count.optional().meta({ description: 'driver worker threads' }),
    verifyEvery: Count.optional().meta({ description: 'compare the whole echo every n-th operation' }),
    load: Load.optional(),
    payload: Payload.optional(),
    server: Server.optional(),
    options: optionsSchema(patternSchemas).optional(),
    target: z
      .url({ error: (iss) => `invalid URL ${show(iss.input)}` })
      .optional()
      .meta({ description: 'drive this existing server instead of starting one' }),
    ...requestField,
  };
}

/** Your own service: `request` (src/patterns/request/schema.ts), merged key by key over defaults. */
const requestField = { request: RequestBlock.optional() };

/** Dotted paths that may be matrix dimensions, with the schema of one value. */
export const matrixDimensions = {
  pattern: PatternNameSchema,
  'payload.size': Size,
  'payload.shape': Shape,
  'load.connections': Count,
  'load.inFlight': Count,
  'load.rate': Rate,
  'load.subscribers': z.int().min(0),
  workers: Count,
  'server.delay': Duration,
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
