import { connectRest } from '../rest/client.js';
import type { ClientContext, PatternClient } from '../types.js';
import type { MeshOptions } from './index.js';

/** rest's undici client, to the caller's sidecar's /echo. */
export function connect(ctx: ClientContext<MeshOptions>): Promise<PatternClient> {
  return connectRest({ ...ctx, options: { path: '/echo', client: 'undici' } });
}
