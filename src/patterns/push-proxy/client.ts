import { connectPublisher } from '../sse/publisher.js';
import { subscribe as subscribeSse } from '../sse/client.js';
import { sseOptions } from '../sse/index.js';
import type {
  ClientContext,
  PatternClient,
  SubscriberContext,
  Subscription,
} from '../../toolkit/contract.js';
import { connectWebSocket, subscribeWebSocket } from '../websocket/client.js';
import type { PushProxyOptions } from './index.js';

const wsUrl = (url: URL): URL => {
  const ws = new URL(url.href);
  ws.protocol = 'ws:';
  return ws;
};

export function connect(ctx: ClientContext<PushProxyOptions>): Promise<PatternClient> {
  if (ctx.options.via === 'sse') return connectPublisher(ctx);
  return connectWebSocket({ ...ctx, url: wsUrl(ctx.url), options: { mode: 'broadcast', client: 'ws' } });
}

export function subscribe(ctx: SubscriberContext<PushProxyOptions>): Promise<Subscription> {
  if (ctx.options.via === 'sse') return subscribeSse({ ...ctx, options: sseOptions.parse({}) });
  return subscribeWebSocket({ ...ctx, url: wsUrl(ctx.url), options: { mode: 'broadcast', client: 'ws' } });
}
