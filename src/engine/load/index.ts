import type { LoadSpec } from './registry.js';
import { loadDefinition } from './registry.js';
import type { LoadModel, SharePlacement } from './types.js';

export type { LoadContext, LoadModel } from './types.js';

/**
 * The schedule of `spec`, placed as one share of a split load (see splitSpec). Throws for a model
 * that issues no operations (it has `hold` instead; the runner calls that).
 */
export function loadModelFor(spec: LoadSpec, placement?: SharePlacement): LoadModel {
  const def = loadDefinition(spec);
  if (!def.model) throw new Error(`load model '${spec.model}' issues no operations (it holds connections)`);
  return def.model(spec, placement);
}

/** Most operations one connection can have outstanding under this load. */
export function inFlightPerConnection(spec: LoadSpec): number {
  return spec.inFlight;
}
