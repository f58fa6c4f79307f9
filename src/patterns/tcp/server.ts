import { createServer, type Socket } from 'node:net';
import type { RunningServer, ServerContext } from '../types.js';
import { FrameReader } from './framing.js';
import type { TcpOptions } from './index.js';
import { listen, urlOf } from '../net-util.js';

export async function startTcpServer(ctx: ServerContext<TcpOptions>): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer({ noDelay: ctx.options.noDelay }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reflect =
      ctx.delayMs > 0
        ? (frame: Buffer) => {
            const timer = setTimeout(() => {
              timers.delete(timer);
              if (!socket.destroyed) socket.write(frame);
            }, ctx.delayMs);
            timers.add(timer);
          }
        : (frame: Buffer) => socket.write(frame);
    const reader = new FrameReader(reflect);
    socket.on('data', (chunk: Buffer) => {
      socket.cork();
      try {
        reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      } finally {
        socket.uncork();
      }
    });
  });
  const address = await listen(server, ctx.host, ctx.port);
  return {
    url: urlOf('tcp', address),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
