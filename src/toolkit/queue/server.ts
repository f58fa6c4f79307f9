import { randomBytes } from 'node:crypto';
import type { BrokerKind } from '../../brokers/kinds.js';
import { brokerForServer } from '../../brokers/run.js';
import type { HelperProcess, RunningServer } from '../contract.js';

/** What a queue pattern's server set up on the broker. */
export interface QueueSetup {
  /** Processes it started besides the broker (forwarding stages). */
  readonly helpers?: readonly HelperProcess[];
  /** Undoes the setup (deletes what it declared, closes its connection); never rejects. */
  teardown(): Promise<void>;
}

/**
 * The server side every queue pattern shares: a broker (the run's, or a throwaway one owned by this
 * server), a fresh name for this repetition's queues, streams or subjects carried in the URL fragment
 * (`amqp://host:port#commbench-1a2b3c4d`), and `setup` declaring what the pattern needs there. A
 * setup that rejects stops an owned broker before the error goes on; stop() tears the setup down
 * once and then stops an owned broker.
 */
export async function startQueueServer(
  kind: BrokerKind,
  setup: (broker: URL, endpoint: string) => Promise<QueueSetup>,
  prefix = 'commbench',
): Promise<RunningServer> {
  const broker = await brokerForServer(kind);
  const endpoint = `${prefix}-${randomBytes(4).toString('hex')}`;
  let done: QueueSetup;
  try {
    done = await setup(new URL(broker.url), endpoint);
  } catch (err) {
    await broker.stop();
    throw err;
  }
  const url = new URL(broker.url);
  url.hash = endpoint;
  let stopped = false;
  return {
    url: url.href,
    helpers: [...(done.helpers ?? []), ...broker.helpers],
    async stop() {
      if (stopped) return;
      stopped = true;
      await done.teardown();
      await broker.stop();
    },
  };
}
