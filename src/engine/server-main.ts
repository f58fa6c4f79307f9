/**
 * Entry of a server child process: starts one pattern's echo server and talks to the parent over
 * IPC (see server-host.ts for the protocol). Exits when the parent goes away, so no server outlives
 * its run.
 */
import { errnoCode } from '../errors.js';
import { collectGarbage } from '../metrics/gc.js';
import { loadPattern } from '../patterns/registry.js';
import type { RunningServer } from '../toolkit/contract.js';
import type { ServerConfig, ToParent, ToServer } from './server-host.js';

function send(message: ToParent): void {
  process.send?.(message);
}

function usage(): { cpuUs: number; maxRssBytes: number } {
  const u = process.resourceUsage();
  return { cpuUs: u.userCPUTime + u.systemCPUTime, maxRssBytes: u.maxRSS * 1024 };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.COMMBENCH_SERVER_CONFIG ?? '{}') as ServerConfig;
  let server: RunningServer | undefined;
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server?.stop();
    send({ type: 'stopped', ...usage() });
    process.disconnect?.();
    process.exit(0);
  };
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('message', (m: ToServer) => {
    if (m.type === 'usage') {
      const counters = server?.counters?.();
      send({ type: 'usage', ...usage(), ...(counters ? { counters } : {}) });
    } else if (m.type === 'stop') void stop();
    else if (m.type === 'gc') {
      collectGarbage();
      send({ type: 'gc-done' });
    }
  });
  try {
    const pattern = await loadPattern(config.pattern);
    server = await pattern.startServer({
      host: config.host,
      port: config.port,
      options: pattern.options.parse(config.options ?? {}),
      delayMs: config.delayMs,
    });
    send({ type: 'ready', url: server.url, pid: process.pid, helpers: server.helpers ?? [] });
  } catch (err) {
    send({
      type: 'error',
      code: errnoCode(err) ?? 'ESTART',
      message: err instanceof Error ? err.message : String(err),
    });
    process.exit(1);
  }
}

void main();
