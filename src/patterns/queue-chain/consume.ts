import type { Channel, ConsumeMessage } from 'amqplib';
import { OutageClock, type Outage } from '../../hops/fail.js';

/** Queue i (1-based) of a queue chain's endpoint. */
export function stageQueue(endpoint: string, i: number): string {
  return `${endpoint}.${i}`;
}

/**
 * Consumes `queue` with manual acks (the handler acks), and during an `outage` cancels the
 * consumer (the broker keeps the queue's messages; those already delivered are still handled)
 * and consumes again afterwards.
 */
export async function consumeWithOutage(
  channel: Channel,
  queue: string,
  handle: (m: ConsumeMessage) => void,
  outage: Outage | undefined,
): Promise<{ stop(): void }> {
  let tag: string | undefined;
  let stopped = false;
  const start = async (): Promise<void> => {
    const ok = await channel.consume(
      queue,
      (m) => {
        if (!m) return;
        clock.touch();
        handle(m);
      },
      { noAck: false },
    );
    tag = ok.consumerTag;
  };
  const clock = new OutageClock(outage, (down) => {
    if (stopped) return;
    if (down) {
      const t = tag;
      tag = undefined;
      if (t !== undefined) channel.cancel(t).catch(() => undefined);
    } else start().catch(() => undefined);
  });
  await start();
  return {
    stop() {
      stopped = true;
      clock.cancel();
    },
  };
}
