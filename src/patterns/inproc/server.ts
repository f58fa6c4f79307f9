import { createServer } from 'node:net';
import { openConnections, serve } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { InprocOptions } from './index.js';

/** What the placeholder tells every client on connect (one JSON line). */
export interface InprocSettings {
  readonly delayMs: number;
}

/**
 * The placeholder "server" of the inproc pattern: sends the handler settings as one JSON line to
 * every connection and then holds it idle; stopping closes them all (the monolith went down).
 */
export async function startServer(ctx: ServerContext<InprocOptions>): Promise<RunningServer> {
  const settings: InprocSettings = { delayMs: ctx.delayMs };
  const line = `${JSON.stringify(settings)}\n`;
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.write(line);
  });
  const sockets = openConnections(server);
  return serve(server, ctx, 'inproc', () => {
    for (const socket of sockets) socket.destroy();
  });
}
