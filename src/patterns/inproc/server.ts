import { createServer, type Socket } from 'node:net';
import { listen, urlOf } from '../net-util.js';
import type { RunningServer, ServerContext } from '../types.js';
import type { InprocOptions } from './index.js';

/** What the placeholder tells every client on connect (one JSON line). */
export interface InprocSettings {
  readonly delayMs: number;
}

/**
 * The placeholder "server" of the inproc pattern: sends the handler settings as one JSON line to
 * every connection and then holds it idle; stopping closes them all (the monolith went down).
 */
export async function startInprocServer(ctx: ServerContext<InprocOptions>): Promise<RunningServer> {
  const settings: InprocSettings = { delayMs: ctx.delayMs };
  const line = `${JSON.stringify(settings)}\n`;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.write(line);
  });
  const address = await listen(server, ctx.host, ctx.port);
  return {
    url: urlOf('inproc', address),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
