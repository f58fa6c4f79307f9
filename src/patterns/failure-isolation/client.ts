import { connectRestNet } from '../rest/net-client.js';
import type { ClientContext, PatternClient } from '../../toolkit/contract.js';
import type { FailureIsolationOptions } from './index.js';

/** rest's lean client on the called component's path; it opens a new socket after its process died. */
export function connect(ctx: ClientContext<FailureIsolationOptions>): Promise<PatternClient> {
  return connectRestNet({ ...ctx, options: { path: `/${ctx.options.call}`, client: 'net' } });
}
