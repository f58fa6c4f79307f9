import { randomBytes } from 'node:crypto';
import { brokerForServer } from '../../brokers/run.js';
import { ServiceDelay } from '../delay.js';
import type { RunningServer, ServerContext } from '../types.js';
import { openNats, subjects } from './client.js';
import type { NatsOptions } from './index.js';

/** Picks this repetition's subjects; in rpc mode answers every request with its own body (after the delay). */
export async function startNatsServer(ctx: ServerContext<NatsOptions>): Promise<RunningServer> {
  const broker = await brokerForServer('nats');
  const endpoint = `commbench-${randomBytes(4).toString('hex')}`;
  const delay = new ServiceDelay(ctx.delayMs);
  let nc;
  try {
    nc = await openNats(new URL(broker.url), 10_000, true);
  } catch (err) {
    await broker.stop();
    throw err;
  }
  if (ctx.options.mode === 'rpc') {
    nc.subscribe(subjects(endpoint).rpc, {
      callback: (err, m) => {
        if (!err) delay.run(() => m.respond(m.data));
      },
    });
    await nc.flush();
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
      delay.cancelAll();
      await nc.close().catch(() => undefined);
      await broker.stop();
    },
  };
}
