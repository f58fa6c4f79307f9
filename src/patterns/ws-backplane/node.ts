import type { WebSocket } from 'ws';
import { ServiceDelay } from '../../toolkit/delay.js';
import type { HopEntry } from '../../hops/process.js';
import type { RunningServer } from '../../toolkit/contract.js';
import { broadcast, createWsServer, routePubSub, serveWs } from '../websocket/server.js';
import type { Backplane } from './index.js';

/** One WebSocket node of a scale-out (server.ts forks the others with moduleHop). */
export interface WsNodeConfig {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly backplane: Backplane;
  /** The backplane broker, redis://… or nats://… (absent for none). */
  readonly broker?: string;
  /** Redis channel / NATS subject the nodes share. */
  readonly channel: string;
  readonly delayMs: number;
}

/** What carries a published text to every node (each node's `onMessage` sees every text once). */
interface Bus {
  publish(text: string): Promise<void>;
  close(): Promise<void>;
}

async function connectBus(config: WsNodeConfig, onMessage: (text: string) => void): Promise<Bus> {
  if (config.backplane === 'none') {
    return {
      publish: (text) => {
        onMessage(text);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
  }
  if (!config.broker) throw new Error(`backplane ${config.backplane} needs a broker URL`);
  if (config.backplane === 'redis') {
    const { Redis } = await import('ioredis');
    const options = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false } as const;
    const pub = new Redis(config.broker, options);
    const sub = new Redis(config.broker, options);
    await Promise.all([pub.connect(), sub.connect()]);
    sub.on('message', (_channel: string, text: string) => onMessage(text));
    await sub.subscribe(config.channel);
    return {
      publish: async (text) => {
        await pub.publish(config.channel, text);
      },
      close: async () => {
        pub.disconnect();
        sub.disconnect();
      },
    };
  }
  const { connect } = await import('nats');
  const nc = await connect({ servers: config.broker, reconnect: false });
  const decoder = new TextDecoder();
  nc.subscribe(config.channel, { callback: (err, msg) => !err && onMessage(decoder.decode(msg.data)) });
  await nc.flush();
  const encoder = new TextEncoder();
  return {
    publish: (text) => {
      nc.publish(config.channel, encoder.encode(text));
      return Promise.resolve();
    },
    close: async () => {
      await nc.close();
    },
  };
}

/**
 * A node: `/subscribe` sockets get every text the backplane brings; a `/publish` message goes to the
 * backplane and is acked `{"seq":N}` once the backplane took it (after the service delay).
 */
/** The hop process's entry (hops/hop-main.ts). */
export const startHop: HopEntry = (config) => startWsNode(config as WsNodeConfig);

export async function startWsNode(config: WsNodeConfig): Promise<RunningServer> {
  const delay = new ServiceDelay(config.delayMs);
  const subscribers = new Set<WebSocket>();
  const bus = await connectBus(config, (text) => broadcast(subscribers, text));
  const pair = createWsServer();
  routePubSub(pair.wss, {
    subscribers,
    delay,
    publish: (text, seq, socket) =>
      void bus.publish(text).then(
        () => socket.send(`{"seq":${seq}}`),
        () => socket.close(1011, `backplane ${config.backplane} refused the message`),
      ),
  });
  const ws = await serveWs(pair, config, () => delay.cancelAll());
  return {
    url: ws.url,
    stop: async () => {
      await Promise.all([ws.stop(), bus.close()]);
    },
  };
}
