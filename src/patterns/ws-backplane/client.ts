import { connectWebSocket, subscribeWebSocket } from '../websocket/client.js';
import type {
  ClientContext,
  PatternClient,
  SubscriberContext,
  Subscription,
} from '../../toolkit/contract.js';
import type { WsBackplaneOptions } from './index.js';

/** Every node's URL, from the server URL's `?nodes=` list (node 1 first); just the URL without one. */
export function nodeUrls(url: URL): URL[] {
  const ports = url.searchParams.get('nodes');
  if (!ports) return [new URL(url.origin)];
  return ports.split(',').map((port) => {
    const node = new URL(url.origin);
    node.port = port;
    return node;
  });
}

/** The publisher: node 1's `/publish` (the websocket pattern's broadcast client). */
export function connect(ctx: ClientContext<WsBackplaneOptions>): Promise<PatternClient> {
  return connectWebSocket({
    ...ctx,
    url: nodeUrls(ctx.url)[0] as URL,
    options: { mode: 'broadcast', client: 'ws' },
  });
}

/** Subscriber i: node (i mod servers)'s `/subscribe`. */
export function subscribe(ctx: SubscriberContext<WsBackplaneOptions>): Promise<Subscription> {
  const nodes = nodeUrls(ctx.url);
  const url = nodes[ctx.index % nodes.length] as URL;
  return subscribeWebSocket({ ...ctx, url, options: { mode: 'broadcast', client: 'ws' } });
}
