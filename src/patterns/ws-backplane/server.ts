import { randomBytes } from 'node:crypto';
import { brokerForServer, type ServerBroker } from '../../brokers/run.js';
import { forkHop, moduleHop, stopAll, type HopProcess } from '../../hops/process.js';
import type { HelperProcess, RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { WsBackplaneOptions } from './index.js';
import { startWsNode, type WsNodeConfig } from './node.js';

/**
 * Starts the backplane broker (the run's, else a throwaway one), nodes 2..servers as forked
 * processes, then node 1 here. A throwaway broker is listed among the helpers (its CPU is the
 * backplane's cost); forked nodes are helpers too.
 */
export async function startServer(ctx: ServerContext<WsBackplaneOptions>): Promise<RunningServer> {
  const { servers, backplane } = ctx.options;
  let broker: ServerBroker | undefined;
  const forked: HopProcess[] = [];
  try {
    if (backplane !== 'none') broker = await brokerForServer(backplane);
    const config = (port: number): WsNodeConfig => ({
      host: ctx.host,
      port,
      backplane,
      ...(broker ? { broker: broker.url } : {}),
      channel: `commbench-ws-${randomBytes(4).toString('hex')}`,
      delayMs: ctx.delayMs,
    });
    const shared = config(0);
    for (let i = 2; i <= servers; i++) {
      forked.push(await forkHop(`ws node ${i}`, moduleHop(import.meta.url, 'node', { ...shared, port: 0 })));
    }
    const first = await startWsNode({ ...shared, port: ctx.port });
    const ports = [first.url, ...forked.map((h) => h.url)].map((u) => new URL(u).port);
    const helpers: HelperProcess[] = forked.map(({ role, pid }) => ({ role, pid }));
    if (broker?.owned) helpers.push({ role: `backplane (${backplane})`, pid: broker.owned.pid });
    const held = broker;
    return {
      url: `${first.url}/?nodes=${ports.join(',')}`,
      helpers,
      async stop() {
        await Promise.all([first.stop(), stopAll(forked)]);
        await held?.stop();
      },
    };
  } catch (err) {
    await stopAll(forked);
    await broker?.stop();
    throw err;
  }
}
