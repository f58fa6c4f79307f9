import type { ChannelModel } from 'amqplib';
import { openConnection } from '../amqp/connection.js';
import { outageOf } from '../../hops/fail.js';
import { forkHop, moduleHop, stopAll, type HopProcess } from '../../hops/process.js';
import type { StageConfig } from './stage.js';
import { startQueueServer } from '../../toolkit/queue/server.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { stageQueue } from './consume.js';
import type { QueueChainOptions } from './index.js';

/**
 * Declares this repetition's queues 1..N (fresh names, carried in the URL fragment) and forks the
 * N−1 forwarding stages (stage i: queue i → queue i+1). stop() ends the stages and deletes the queues.
 */
export async function startServer(ctx: ServerContext<QueueChainOptions>): Promise<RunningServer> {
  const { hops, prefetch, failHop } = ctx.options;
  if (failHop && failHop.hop > hops) throw new Error(`failHop.hop ${failHop.hop} > hops ${hops}`);
  return startQueueServer(
    'rabbitmq',
    async (base, endpoint) => {
      const queues = Array.from({ length: hops }, (_, i) => stageQueue(endpoint, i + 1));
      const forked: HopProcess[] = [];
      let model: ChannelModel | undefined;
      try {
        model = await openConnection(base, 10_000);
        const channel = await model.createChannel();
        channel.on('error', () => undefined);
        for (const q of queues) {
          await channel.assertQueue(q, { durable: false });
          await channel.purgeQueue(q);
        }
        const started = await Promise.allSettled(
          queues.slice(0, -1).map((from, i) => {
            const outage = outageOf(failHop, i + 1);
            return forkHop(
              `stage ${i + 1} (amqp)`,
              moduleHop(import.meta.url, 'stage', {
                broker: base.href,
                from,
                to: queues[i + 1] as string,
                prefetch,
                delayMs: ctx.delayMs,
                ...(outage ? { outage } : {}),
              } satisfies StageConfig),
            );
          }),
        );
        for (const s of started) if (s.status === 'fulfilled') forked.push(s.value);
        for (const s of started) if (s.status === 'rejected') throw s.reason;
        const m = model;
        return {
          helpers: forked.map(({ role, pid }) => ({ role, pid })),
          async teardown() {
            await stopAll(forked);
            try {
              for (const q of queues) await channel.deleteQueue(q);
              await m.close();
            } catch {
              // the broker may already be gone
            }
          },
        };
      } catch (err) {
        await stopAll(forked);
        await model?.close().catch(() => undefined);
        throw err;
      }
    },
    'commbench-chain',
  );
}
