import type { ConsumeMessage } from 'amqplib';
import { openConfirmChannel } from '../amqp/connection.js';
import { ServiceDelay } from '../../toolkit/delay.js';
import type { Outage } from '../../hops/fail.js';
import type { HopEntry } from '../../hops/process.js';
import type { RunningServer } from '../../toolkit/contract.js';
import { consumeWithOutage } from './consume.js';

/** A stage of a queue chain: consumes `from`, republishes to `to` (server.ts forks it with moduleHop). */
export interface StageConfig {
  /** The broker, amqp://host:port. */
  readonly broker: string;
  readonly from: string;
  readonly to: string;
  readonly prefetch: number;
  readonly delayMs: number;
  /** failHop: this stage stops consuming for a while. */
  readonly outage?: Outage;
}

/** The hop process's entry (hops/hop-main.ts). */
export const startHop: HopEntry = (config) => startQueueStage(config as StageConfig);

/**
 * One forwarding stage of a queue chain, in its own process with its own connection: consumes
 * `from`, parses and re-serializes the record, publishes it to `to` on a confirm channel and acks
 * the input once the broker confirmed the output (a stage that dies loses nothing). A message
 * that is not JSON is dropped (nack without requeue); a nacked publish puts the input back.
 */
export async function startQueueStage(config: StageConfig): Promise<RunningServer> {
  const { model, channel } = await openConfirmChannel(new URL(config.broker), 10_000);
  await channel.prefetch(config.prefetch);
  const delay = new ServiceDelay(config.delayMs);
  const handle = (m: ConsumeMessage): void => {
    let body: Buffer;
    try {
      body = Buffer.from(JSON.stringify(JSON.parse(m.content.toString())));
    } catch {
      return channel.nack(m, false, false);
    }
    delay.run(() => {
      channel.publish(
        '',
        config.to,
        body,
        { messageId: m.properties.messageId as string, contentType: 'application/json' },
        (err: unknown) => (err ? channel.nack(m) : channel.ack(m)),
      );
    });
  };
  const consumer = await consumeWithOutage(channel, config.from, handle, config.outage);
  return {
    url: `${config.broker}#${config.from}`,
    async stop() {
      consumer.stop();
      delay.cancelAll();
      await model.close().catch(() => undefined);
    },
  };
}
