import { closed } from './closed.js';
import { connections } from './connections.js';
import { knee } from './knee.js';
import { ramp } from './ramp.js';
import { rate } from './rate.js';
import type { ZodOptional, ZodType } from 'zod';
import type { LoadInfo, LoadModelName, LoadSpec } from '../../plan/load.js';
import type { LoadDefinition } from './types.js';

/**
 * Every load model, by name: adding one is one file under src/engine/load/ and one line here.
 * Everything else (schema, expansion, workers, measurement, labels) asks these definitions.
 */
export const loadDefinitions = {
  closed,
  rate,
  ramp,
  knee,
  connections,
} as const;

type Definitions = typeof loadDefinitions;
type SpecOf<D> = D extends { resolve(...args: never[]): infer S } ? Exclude<S, string> : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The plan's load types (src/plan/load.ts) are what these models resolve to, no more, no less. */
const specsAgree: Same<{ [K in keyof Definitions]: SpecOf<Definitions[K]> }[keyof Definitions], LoadSpec> &
  Same<keyof Definitions, LoadModelName> = true;
void specsAgree;

export type { LoadModelName, LoadSpec } from '../../plan/load.js';

export const loadModelNames = Object.keys(loadDefinitions) as [LoadModelName, ...LoadModelName[]];

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
/** The `load` fields of every model together (a field two models share is one schema). */
export const loadFieldShape = mergeShapes() as UnionToIntersection<Definitions[LoadModelName]['shape']>;

function mergeShapes(): Record<string, unknown> {
  const shape: Record<string, ZodOptional<ZodType>> = {};
  for (const d of Object.values(loadDefinitions)) {
    if (loadDefinitions[d.name] !== d)
      throw new Error(`load model '${d.name}' is registered under another name`);
    for (const [key, schema] of Object.entries(d.shape)) {
      const same = shape[key] === undefined || (shape[key] as typeof schema).unwrap() === schema.unwrap();
      if (!same) throw new Error(`load field '${key}' is defined differently by two models (${d.name})`);
      shape[key] = schema;
    }
  }
  return shape;
}

/** The definition of `spec`'s model. */
export function loadDefinition<S extends LoadSpec>(spec: S): LoadDefinition<S> {
  return loadDefinitions[spec.model] as unknown as LoadDefinition<S>;
}

/** The definition named `name`, if there is one. */
export function loadDefinitionNamed(name: string): LoadDefinition<LoadSpec> | undefined {
  return Object.hasOwn(loadDefinitions, name)
    ? (loadDefinitions[name as LoadModelName] as unknown as LoadDefinition<LoadSpec>)
    : undefined;
}

/** The model a level's `load` fields select when they name none: the first implied, else closed. */
export function impliedModel(fields: Readonly<Record<string, unknown>> | undefined): LoadModelName {
  for (const [name, d] of Object.entries(loadDefinitions) as [LoadModelName, LoadDefinition<LoadSpec>][]) {
    if (d.impliedBy?.some((k) => fields?.[k] !== undefined)) return name;
  }
  return 'closed';
}

/** Models that accept load field `key`. */
export function modelsWithField(key: string): LoadModelName[] {
  return loadModelNames.filter((n) => key in loadDefinitions[n].shape);
}

/** How `load` describes itself in tables; `workers` > 1 appends ' w=N'. */
export function describeLoad(load: LoadSpec, workers = 1): LoadInfo {
  const info = loadDefinition(load).describe(load);
  return workers > 1 ? { ...info, label: `${info.label} w=${workers}` } : info;
}

/** Share `index` of `count` of `load` (shards, worker threads): connections spread evenly. */
export function shareLoad(load: LoadSpec, index: number, count: number) {
  const n = Math.floor(load.connections / count) + (index < load.connections % count ? 1 : 0);
  return loadDefinition(load).share(load, n, index, count);
}
