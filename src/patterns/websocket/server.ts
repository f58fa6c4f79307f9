import { createServer, type Server as HttpServer } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ServiceDelay } from '../../toolkit/delay.js';
import { serve } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
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
  // The HTTP server's errors (EADDRINUSE) are re-emitted here; listen() already rejects with them.
  wss.on('error', () => undefined);
  return { http, wss };
}

/** Sends `text` to every subscriber as one text message (encoded once). */
export function broadcast(subscribers: Iterable<WebSocket>, text: string): void {
  const frame = Buffer.from(text);
  for (const subscriber of subscribers) subscriber.send(frame, { binary: false });
}

/**
 * Listens with a createWsServer pair as ws://host:port; `stop` terminates every socket, runs
 * `onStop` (cancel delayed answers, dispose of what serves on `wss`) and closes both servers.
 */
export function serveWs(
  { http, wss }: { http: HttpServer; wss: WebSocketServer },
  at: { readonly host: string; readonly port: number },
  onStop: () => void,
): Promise<RunningServer> {
  return serve(http, at, 'ws', () => {
    for (const socket of wss.clients) socket.terminate();
    onStop();
    wss.close();
    http.closeAllConnections();
  });
}

/** The paths a pub/sub WebSocket server (this pattern's, a ws-backplane node) serves. */
export interface PubSubRoutes {
  /** Every `/subscribe` socket, until it closes. */
  readonly subscribers: Set<WebSocket>;
  /** What comes before `publish`. */
  readonly delay: ServiceDelay;
  /** Takes a `/publish` message, a JSON record with `seq`, and acks it `{"seq":N}` on `socket` (or closes it). */
  publish(text: string, seq: number, socket: WebSocket): void;
  /** Further paths, each handed its sockets (the websocket pattern's `/echo`). */
  readonly more?: Readonly<Record<string, (socket: WebSocket) => void>>;
}

/**
 * Routes every connection of `wss` by path: `/subscribe` joins the subscribers; a `/publish`
 * message that is not a JSON record with a seq closes its socket (1007), else it goes to
 * `publish` after the delay; an unknown path is closed (1008) naming the paths there are.
 */
export function routePubSub(wss: WebSocketServer, routes: PubSubRoutes): void {
  const { subscribers, delay, publish, more = {} } = routes;
  const paths = [...Object.keys(more), '/publish', '/subscribe'].sort();
  const known = `${paths.slice(0, -1).join(', ')} or ${paths.at(-1)}`;
  wss.on('connection', (socket, req) => {
    socket.on('error', () => socket.terminate());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/subscribe') {
      subscribers.add(socket);
      socket.on('close', () => subscribers.delete(socket));
    } else if (path === '/publish') {
      socket.on('message', (data: RawData) => {
        const text = data.toString();
        const seq = seqOf(text);
        if (seq === undefined) return socket.close(1007, 'not a JSON record with a seq');
        delay.run(() => publish(text, seq, socket));
      });
    } else if (Object.hasOwn(more, path)) {
      (more[path] as (socket: WebSocket) => void)(socket);
    } else {
      socket.close(1008, `unknown path ${path}: use ${known}`);
    }
  });
}

export async function startServer(ctx: ServerContext<WebSocketOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const pair = createWsServer();
  const subscribers = new Set<WebSocket>();
  routePubSub(pair.wss, {
    subscribers,
    delay,
    publish: (text, seq, socket) => {
      broadcast(subscribers, text);
      socket.send(`{"seq":${seq}}`);
    },
    more: {
      '/echo': (socket) =>
        socket.on('message', (data: RawData) => {
          let echo: string;
          try {
            echo = JSON.stringify(JSON.parse(data.toString()));
          } catch {
            return socket.close(1007, 'not JSON');
          }
          delay.run(() => socket.send(echo));
        }),
    },
  });
  const dropEvery = ctx.options.dropEvery ?? 0;
  const dropper =
    dropEvery > 0
      ? setInterval(() => {
          for (const socket of subscribers) socket.terminate();
        }, dropEvery)
      : undefined;
  dropper?.unref();
  return serveWs(pair, ctx, () => {
    clearInterval(dropper);
    delay.cancelAll();
  });
}
