import type { LoadSpec } from '../../scenario/types.js';
import { closedLoop } from './closed.js';
import { constantRate } from './rate.js';
import type { LoadModel } from './types.js';

export type { LoadContext, LoadModel } from './types.js';

export function loadModelFor(spec: LoadSpec): LoadModel {
  switch (spec.model) {
    case 'closed':
      return closedLoop({ inFlight: spec.inFlight });
    case 'rate':
      return constantRate({ rate: spec.rate, inFlight: spec.inFlight, maxInFlight: spec.maxInFlight });
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
