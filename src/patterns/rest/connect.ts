import type { ClientContext, PatternClient } from '../../toolkit/contract.js';
import { restClientOf, type RestOptions } from './index.js';

/** The rest pattern's client: the lean node:net one (net-client.ts) or undici (client.ts), loaded on first use. */
export async function connect(ctx: ClientContext<RestOptions>): Promise<PatternClient> {
  if (restClientOf(ctx.options, ctx) === 'net') return (await import('./net-client.js')).connectRestNet(ctx);
  return (await import('./client.js')).connectRest(ctx);
}
