import { connectEndpoints } from '../gateway/client.js';
import type { ClientContext, PatternClient } from '../../toolkit/contract.js';
import type { MeshOptions } from './index.js';

/** The caller sidecar's /echo (and, with a reference mesh, its caller sidecar's, alternately). */
export function connect(ctx: ClientContext<MeshOptions>): Promise<PatternClient> {
  return connectEndpoints(ctx, {});
}
