import { z } from 'zod';
import { durationHelp, parseDuration } from '../../units.js';

/** Option schemas the queue patterns share (cheap: zod only). */

/** A duration option ('3s', '500ms', bare number = ms) → ms. */
export const durationOption = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.issues.push({ code: 'custom', input: v, message: `expected ${durationHelp}` });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: durationHelp });

/**
 * Faults a queue pattern's subscriptions inject themselves (no engine hook needed), timed from the
 * moment the subscription opened (the load starts about then, warm-up first).
 */
export const faultsOption = z
  .strictObject({
    killConsumerAt: durationOption.optional().meta({
      description:
        'kill one consumer this long after it subscribed, as a crash would: its socket is destroyed, ' +
        'messages it holds are dropped unprocessed, unsent acks are lost',
    }),
    restartAfter: durationOption
      .default(1000)
      .meta({ description: 'how long the killed consumer stays down' }),
    consumer: z.int().min(0).default(0).meta({ description: 'index of the consumer to kill' }),
    restartBrokerAt: durationOption.optional().meta({
      description:
        'kill the broker (SIGKILL) this long after subscribing and start it again on the same port and data; ' +
        'only for a broker commbench started. Clients reconnect',
    }),
    brokerDownFor: durationOption
      .default(0)
      .meta({ description: 'time between the broker kill and its restart' }),
  })
  .meta({ description: 'fault injection during the run (delivery-guarantees scenario)' });
export type Faults = z.output<typeof faultsOption>;
