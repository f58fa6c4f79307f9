import { connectRest } from '../rest/client.js';
import type { ClientContext, PatternClient } from '../../toolkit/contract.js';
import type { RestProxyOptions } from './index.js';

/** rest's undici client, through the proxies to the rest server's /echo. */
export function connect(ctx: ClientContext<RestProxyOptions>): Promise<PatternClient> {
  return connectRest({ ...ctx, options: { path: '/echo', client: 'undici' } });
}
