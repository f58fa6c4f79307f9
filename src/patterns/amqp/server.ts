import { ServiceDelay } from '../../toolkit/delay.js';
import { startQueueServer } from '../../toolkit/queue/server.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { openConnection } from './connection.js';
import type { AmqpOptions } from './index.js';
import { names } from './names.js';

/**
 * The broker-side application of one repetition: declares its queue (work-queue) or exchange
 * (pubsub), durable when `persistent`, under a fresh name carried in the URL fragment; in rpc mode
 * answers every request on its reply-to with the same body and correlation id (after the server
 * delay). stop() deletes what it declared and stops a broker it started itself.
 */
export function startServer(ctx: ServerContext<AmqpOptions>): Promise<RunningServer> {
  const o = ctx.options;
  return startQueueServer('rabbitmq', async (base, endpoint) => {
    const n = names(endpoint);
    const model = await openConnection(base, 10_000, o.noDelay);
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    const delay = new ServiceDelay(ctx.delayMs);
    if (o.mode === 'work-queue') {
      await channel.assertQueue(n.queue, { durable: o.persistent });
      await channel.purgeQueue(n.queue);
    } else if (o.mode === 'pubsub') {
      await channel.assertExchange(n.exchange, o.exchange, { durable: o.persistent });
    } else {
      await channel.assertQueue(n.rpcQueue, { durable: false });
      await channel.prefetch(1000);
      await channel.consume(n.rpcQueue, (m) => {
        if (!m) return;
        delay.run(() => {
          channel.sendToQueue(String(m.properties.replyTo), m.content, {
            correlationId: m.properties.correlationId as string,
            contentType: 'application/json',
          });
          channel.ack(m);
        });
      });
    }
    return {
      async teardown() {
        delay.cancelAll();
        try {
          if (o.mode === 'work-queue') await channel.deleteQueue(n.queue);
          else if (o.mode === 'pubsub') await channel.deleteExchange(n.exchange);
          else await channel.deleteQueue(n.rpcQueue);
          await model.close();
        } catch {
          // the broker may already be gone
        }
      },
    };
  });
}
