import { startQueueServer } from '../../toolkit/queue/server.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { openRedis, streamKey, workGroup } from './client.js';
import type { RedisStreamsOptions } from './index.js';

/** Creates this repetition's stream (and the work-queue group at its end); deletes the stream on stop. */
export function startServer(ctx: ServerContext<RedisStreamsOptions>): Promise<RunningServer> {
  return startQueueServer('redis', async (base, endpoint) => {
    const redis = await openRedis(base, ctx.options, 10_000);
    try {
      await redis.call('XGROUP', 'CREATE', streamKey(endpoint), workGroup, '$', 'MKSTREAM');
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    return {
      async teardown() {
        await redis.del(streamKey(endpoint)).catch(() => undefined);
        redis.disconnect();
      },
    };
  });
}
