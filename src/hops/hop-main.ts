/**
 * Entry of a forked hop process (see process.ts): serves one hop of a chain or one proxy, reports
 * its URL over IPC, and exits when the process that forked it goes away.
 */
import { pathToFileURL } from 'node:url';
import { errnoCode } from '../errors.js';
import type { RunningServer } from '../toolkit/contract.js';
import type { HopConfig, HopEntry, HopMessage } from './process.js';

function send(message: HopMessage): void {
  process.send?.(message);
}

async function start(config: HopConfig): Promise<RunningServer> {
  if (config.kind === 'node-proxy') {
    const { startNodeProxy } = await import('./node-proxy.js');
    return startNodeProxy(config);
  }
  if (config.kind === 'module') {
    const entry = (await import(pathToFileURL(config.module).href)) as { startHop?: HopEntry };
    if (typeof entry.startHop !== 'function') throw new Error(`${config.module} exports no startHop`);
    return entry.startHop(config.config);
  }
  if (config.via !== 'rest') throw new Error(`a ${config.via} service hop is started with moduleHop()`);
  const { startRestService } = await import('./rest-service.js');
  return startRestService(config);
}

async function main(): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  try {
    const config = JSON.parse(process.env.COMMBENCH_HOP_CONFIG ?? '{}') as HopConfig;
    const server = await start(config);
    send({ type: 'ready', url: server.url });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    send({ type: 'error', message: `${errnoCode(err) ?? 'ESTART'}: ${message}` });
    process.exit(1);
  }
}

void main();
