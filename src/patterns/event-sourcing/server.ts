import { randomBytes } from 'node:crypto';
import { brokerForServer } from '../../brokers/run.js';
import type { RunningServer, ServerContext } from '../types.js';
import type { EventSourcingOptions } from './index.js';
import { openLog } from './logs.js';

/**
 * The broker-side setup of one repetition: the broker (`broker` option), a fresh name in the URL
 * fragment, and in append phase the shared log (created here, deleted on stop). Replay connections
 * create and delete their own logs.
 */
export async function startEventLogServer(ctx: ServerContext<EventSourcingOptions>): Promise<RunningServer> {
  const o = ctx.options;
  const broker = await brokerForServer(o.broker);
  const endpoint = `commbench-${randomBytes(4).toString('hex')}`;
  let log;
  try {
    log = await openLog(o.broker, new URL(broker.url), endpoint, 10_000);
    if (o.phase === 'append') await log.create();
  } catch (err) {
    await log?.close();
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
      if (o.phase === 'append') await log.remove().catch(() => undefined);
      await log.close().catch(() => undefined);
      await broker.stop();
    },
  };
}
