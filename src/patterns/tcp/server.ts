import { ServiceDelay } from '../../toolkit/delay.js';
import { createServer } from 'node:net';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import { FrameReader } from './framing.js';
import type { TcpOptions } from './index.js';
import { openConnections, serve } from '../../toolkit/net-util.js';

export async function startServer(ctx: ServerContext<TcpOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const server = createServer({ noDelay: ctx.options.noDelay }, (socket) => {
    socket.on('error', () => socket.destroy());
    const reflect =
      ctx.delayMs > 0
        ? (frame: Buffer) => {
            delay.run(() => {
              if (!socket.destroyed) socket.write(frame);
            });
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
  const sockets = openConnections(server);
  return serve(server, ctx, 'tcp', () => {
    delay.cancelAll();
    for (const socket of sockets) socket.destroy();
  });
}
