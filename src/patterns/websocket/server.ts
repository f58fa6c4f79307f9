import { createServer, type Server as HttpServer } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ServiceDelay } from '../delay.js';
import { listen, urlOf } from '../net-util.js';
import type { RunningServer, ServerContext } from '../types.js';
import type { WebSocketOptions } from './index.js';

/** Largest message either end accepts, bytes. */
export const maxMessageBytes = 64 * 1024 * 1024;

/** The seq of a record's JSON text, or undefined when the text is not a JSON object with a numeric seq. */
export function seqOf(text: string): number | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || !('seq' in value)) return undefined;
    return typeof value.seq === 'number' ? value.seq : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The HTTP server every WebSocket server here listens with (a plain request gets 426 Upgrade
 * Required) and the WebSocket server on it: no compression, messages up to maxMessageBytes.
 */
export function createWsServer(path?: string): { http: HttpServer; wss: WebSocketServer } {
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-length': '0', upgrade: 'websocket' }).end();
  });
  const wss = new WebSocketServer({
    server: http,
    ...(path === undefined ? {} : { path }),
    perMessageDeflate: false,
    maxPayload: maxMessageBytes,
  });
  return { http, wss };
}

/** Sends `text` to every subscriber as one text message (encoded once). */
export function broadcast(subscribers: Iterable<WebSocket>, text: string): void {
  const frame = Buffer.from(text);
  for (const subscriber of subscribers) subscriber.send(frame, { binary: false });
}

export async function startWebSocketServer(ctx: ServerContext<WebSocketOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const { http, wss } = createWsServer();
  const subscribers = new Set<WebSocket>();

  wss.on('connection', (socket, req) => {
    socket.on('error', () => socket.terminate());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/subscribe') {
      subscribers.add(socket);
      socket.on('close', () => subscribers.delete(socket));
      return;
    }
    if (path === '/echo') {
      socket.on('message', (data: RawData) => {
        let echo: string;
        try {
          echo = JSON.stringify(JSON.parse(data.toString()));
        } catch {
          return socket.close(1007, 'not JSON');
        }
        delay.run(() => socket.send(echo));
      });
      return;
    }
    if (path === '/publish') {
      socket.on('message', (data: RawData) => {
        const text = data.toString();
        const seq = seqOf(text);
        if (seq === undefined) return socket.close(1007, 'not a JSON record with a seq');
        delay.run(() => {
          broadcast(subscribers, text);
          socket.send(`{"seq":${seq}}`);
        });
      });
      return;
    }
    socket.close(1008, `unknown path ${path}: use /echo, /publish or /subscribe`);
  });

  const address = await listen(http, ctx.host, ctx.port);
  return {
    url: urlOf('ws', address),
    stop: () =>
      new Promise<void>((resolve) => {
        delay.cancelAll();
        for (const socket of wss.clients) socket.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
