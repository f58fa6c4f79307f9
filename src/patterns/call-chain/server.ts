import { startGrpcService } from './grpc-service.js';
import { outageOf } from '../../hops/fail.js';
import { forkHop, moduleHop, stopAll, type HopProcess } from '../../hops/process.js';
import { startRestService, type ServiceConfig } from '../../hops/rest-service.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { CallChainOptions } from './index.js';

/** Starts services N..2 as forked processes (last first, so each knows the next), then service 1 here. */
export async function startServer(ctx: ServerContext<CallChainOptions>): Promise<RunningServer> {
  const { hops, via, traceContext, failHop } = ctx.options;
  if (failHop && failHop.hop > hops) throw new Error(`failHop.hop ${failHop.hop} > hops ${hops}`);
  const service = (hop: number, port: number, next: string | undefined): ServiceConfig => {
    const outage = outageOf(failHop, hop);
    return {
      kind: 'service',
      via,
      host: ctx.host,
      port,
      ...(next === undefined ? {} : { next }),
      traceContext,
      delayMs: ctx.delayMs,
      ...(outage ? { outage } : {}),
    };
  };
  const forked: HopProcess[] = [];
  try {
    let next: string | undefined;
    for (let i = hops; i >= 2; i--) {
      const config = service(i, 0, next);
      const hop = await forkHop(
        `hop ${i} (${via})`,
        via === 'grpc' ? moduleHop(import.meta.url, 'grpc-service', config) : config,
      );
      forked.unshift(hop);
      next = hop.url;
    }
    const first = await (via === 'grpc' ? startGrpcService : startRestService)(service(1, ctx.port, next));
    return {
      url: first.url,
      helpers: forked.map(({ role, pid }) => ({ role, pid })),
      async stop() {
        await Promise.all([first.stop(), stopAll(forked)]);
      },
    };
  } catch (err) {
    await stopAll(forked);
    throw err;
  }
}
