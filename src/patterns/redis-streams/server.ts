import { randomBytes } from 'node:crypto';
import { brokerForServer } from '../../brokers/run.js';
import type { RunningServer, ServerContext } from '../types.js';
import { openRedis, streamKey, workGroup } from './client.js';
import type { RedisStreamsOptions } from './index.js';

/** Creates this repetition's stream (and the work-queue group at its end); deletes the stream on stop. */
export async function startRedisStreamsServer(
  ctx: ServerContext<RedisStreamsOptions>,
): Promise<RunningServer> {
  const broker = await brokerForServer('redis');
  const endpoint = `commbench-${randomBytes(4).toString('hex')}`;
  let redis;
  try {
    redis = await openRedis(new URL(broker.url), ctx.options, 10_000);
    await redis.call('XGROUP', 'CREATE', streamKey(endpoint), workGroup, '$', 'MKSTREAM');
  } catch (err) {
    redis?.disconnect();
    await broker.stop();
    throw err;
  }
  const url = new URL(broker.url);
  url.hash = endpoint;
  let stopped = false;
  return {
    url: url.href,
    helpers: broker.helpers,
    async stop() {
      if (stopped) return;
      stopped = true;
      await redis.del(streamKey(endpoint)).catch(() => undefined);
      redis.disconnect();
      await broker.stop();
    },
  };
}
