import { randomBytes } from 'node:crypto';
import type { BrokerKind } from '../brokers/kinds.js';
import { brokerForServer } from '../brokers/run.js';
import type { RunningServer } from './types.js';

/**
 * The server of a pattern whose server is only broker-side setup: the run's broker of `kind` (or a
 * throwaway one it owns), a fresh endpoint name (`commbench-<hex>`, carried in the URL fragment, so
 * repetitions never share a queue or a log) and `setup` for that endpoint (declare exchanges,
 * queues, logs), which returns the cleanup that stop() runs before stopping an owned broker. A
 * failed setup stops the broker and rethrows.
 */
export async function serveBrokerEndpoint(
  kind: BrokerKind,
  setup: (brokerUrl: URL, endpoint: string) => Promise<() => Promise<void>>,
): Promise<RunningServer> {
  const broker = await brokerForServer(kind);
  const endpoint = `commbench-${randomBytes(4).toString('hex')}`;
  let cleanup: () => Promise<void>;
  try {
    cleanup = await setup(new URL(broker.url), endpoint);
  } catch (err) {
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
      await cleanup().catch(() => undefined); // the broker may already be gone
      await broker.stop();
    },
  };
}
