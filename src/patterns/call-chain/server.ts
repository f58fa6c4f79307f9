import { startGrpcService } from '../hops/grpc-service.js';
import { forkHop, stopAll, type HopProcess } from '../hops/process.js';
import { startRestService, type ServiceConfig } from '../hops/rest-service.js';
import type { RunningServer, ServerContext } from '../types.js';
import type { CallChainOptions } from './index.js';

/** Starts services N..2 as forked processes (last first, so each knows the next), then service 1 here. */
export async function startCallChain(ctx: ServerContext<CallChainOptions>): Promise<RunningServer> {
  const { hops, via, traceContext } = ctx.options;
  const service = (port: number, next: string | undefined): ServiceConfig => ({
    kind: 'service',
    via,
    host: ctx.host,
    port,
    ...(next === undefined ? {} : { next }),
    traceContext,
    delayMs: ctx.delayMs,
  });
  const forked: HopProcess[] = [];
  try {
    let next: string | undefined;
    for (let i = hops; i >= 2; i--) {
      const hop = await forkHop(`hop ${i} (${via})`, service(0, next));
      forked.unshift(hop);
      next = hop.url;
    }
    const first = await (via === 'grpc' ? startGrpcService : startRestService)(service(ctx.port, next));
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
