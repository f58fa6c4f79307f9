import type { LoadSpec } from '../../scenario/types.js';
import { closedLoop } from './closed.js';
import { constantRate } from './rate.js';
import type { LoadModel } from './types.js';

export type { LoadContext, LoadModel } from './types.js';

/** The load model of `spec`; `phaseMs` delays a rate schedule's first operation (see splitSpec). */
export function loadModelFor(spec: LoadSpec, phaseMs = 0): LoadModel {
  switch (spec.model) {
    case 'closed':
      return closedLoop({ inFlight: spec.inFlight });
    case 'rate':
      return constantRate({
        rate: spec.rate,
        inFlight: spec.inFlight,
        maxInFlight: spec.maxInFlight,
        phaseMs,
      });
    case 'connections':
      throw new Error(
        "the 'connections' model holds connections open and runs no operations (engine/connections.ts)",
      );
  }
}

/** Most operations one connection can have outstanding under this load. */
export function inFlightPerConnection(spec: LoadSpec): number {
  return spec.inFlight;
}
