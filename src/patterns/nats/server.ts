import { ServiceDelay } from '../../toolkit/delay.js';
import { startQueueServer } from '../../toolkit/queue/server.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { openNats, subjects } from './client.js';
import type { NatsOptions } from './index.js';

/** Picks this repetition's subjects; in rpc mode answers every request with its own body (after the delay). */
export function startServer(ctx: ServerContext<NatsOptions>): Promise<RunningServer> {
  return startQueueServer('nats', async (base, endpoint) => {
    const delay = new ServiceDelay(ctx.delayMs);
    const nc = await openNats(base, 10_000, true);
    if (ctx.options.mode === 'rpc') {
      nc.subscribe(subjects(endpoint).rpc, {
        callback: (err, m) => {
          if (!err) delay.run(() => m.respond(m.data));
        },
      });
      await nc.flush();
    }
    return {
      async teardown() {
        delay.cancelAll();
        await nc.close().catch(() => undefined);
      },
    };
  });
}
