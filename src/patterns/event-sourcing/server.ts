import { startQueueServer } from '../../toolkit/queue/server.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { EventSourcingOptions } from './index.js';
import { openLog } from './logs.js';

/**
 * The broker-side setup of one repetition: the broker (`broker` option), a fresh name in the URL
 * fragment, and in append phase the shared log (created here, deleted on stop). Replay connections
 * create and delete their own logs.
 */
export function startServer(ctx: ServerContext<EventSourcingOptions>): Promise<RunningServer> {
  const o = ctx.options;
  return startQueueServer(o.broker, async (brokerUrl, endpoint) => {
    const log = await openLog(o.broker, brokerUrl, endpoint, 10_000);
    try {
      if (o.phase === 'append') await log.create();
    } catch (err) {
      await log.close();
      throw err;
    }
    const cleanup = async (): Promise<void> => {
      if (o.phase === 'append') await log.remove().catch(() => undefined);
      await log.close();
    };
    // The broker may already be gone: teardown never rejects.
    return { teardown: () => cleanup().catch(() => undefined) };
  });
}
