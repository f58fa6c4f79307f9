import type {
  ClientContext,
  PatternClient,
  SubscriberContext,
  Subscription,
} from '../../toolkit/contract.js';
import type { WebSocketOptions } from './index.js';

/**
 * The websocket pattern's client: the user's own URL and messages (own-client.ts) when the case has
 * a `request`, the lean node:net echo client (net-client.ts) for `client: net` in echo mode, else
 * the `ws` client (client.ts). Each loads on first use.
 */
export async function connect(ctx: ClientContext<WebSocketOptions>): Promise<PatternClient> {
  if (ctx.request) return (await import('./own-client.js')).connectOwnWebSocket(ctx);
  if (ctx.options.client === 'net' && ctx.options.mode === 'echo') {
    return (await import('./net-client.js')).connectWebSocketNet(ctx);
  }
  return (await import('./client.js')).connectWebSocket(ctx);
}

export async function subscribe(ctx: SubscriberContext<WebSocketOptions>): Promise<Subscription> {
  return (await import('./client.js')).subscribeWebSocket(ctx);
}
