import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import { jsonSize, type EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../../toolkit/pending.js';
import {
  maxResponseBytes,
  OpError,
  oversizeMessageError,
  toOpError,
  type ClientContext,
  type PatternClient,
  type SubscriberContext,
  type Subscription,
} from '../../toolkit/contract.js';
import { terminate } from '../websocket/client.js';
import type { GraphqlWsOptions } from './index.js';
import { echoesSubscription, publishMutation } from './schema.js';

/** The endpoint: the URL as given, or its /graphql path when it names only the server. */
function endpoint(url: URL): URL {
  return url.pathname === '/' || url.pathname === '' ? new URL('/graphql', url) : url;
}

/** Whatever graphql-ws reports a failed connection with (an Error, a ws ErrorEvent, a CloseEvent) → OpError. */
function connectionError(reason: unknown, host: string): OpError {
  if (reason instanceof OpError) return reason;
  if (typeof reason === 'object' && reason !== null) {
    if ('error' in reason && reason.error instanceof Error) return toOpError(reason.error);
    // 1009: ws closed the socket on a message over its maxPayload (maxResponseBytes).
    if ('code' in reason && reason.code === 1009) return oversizeMessageError('a graphql-ws message');
    if ('code' in reason && 'reason' in reason)
      return new OpError(
        'connection',
        `graphql-ws connection to ${host} closed (${String(reason.code)} ${String(reason.reason)})`,
      );
  }
  const err = toOpError(reason);
  return err.kind === 'protocol' ? new OpError('connection', err.message, { cause: reason }) : err;
}

/** ws reading at most maxResponseBytes per message, as graphql-ws constructs it (url, protocols). */
class BoundedWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { maxPayload: maxResponseBytes });
  }
}

interface Connection {
  readonly client: Client;
  /** Closes the socket at once; resolves when it has closed. */
  close(): Promise<void>;
  /** Called once when the connection is lost (not after close()). */
  onLost(listener: (err: OpError) => void): void;
}

/** A non-lazy graphql-ws client, resolved once the server acknowledged connection_init. */
function open(url: URL, timeoutMs: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let socket: WebSocket | undefined;
    let settled = false;
    let lost: ((err: OpError) => void) | undefined;
    let closing = false;
    const fail = (reason: unknown): void => {
      const err = connectionError(reason, url.host);
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        void close();
        reject(err);
      } else if (!closing) lost?.(err);
    };
    const timer = setTimeout(
      () => fail(new OpError('timeout', `no graphql-ws connection to ${url.host} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const client = createClient({
      url: url.href,
      webSocketImpl: BoundedWebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionAckWaitTimeout: timeoutMs,
      onNonLazyError: fail,
      on: {
        opened: (s) => {
          socket = s as WebSocket;
        },
        connected: () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ client, close, onLost: (listener) => (lost = listener) });
        },
        closed: (event) => fail(event),
      },
    });
    const close = async (): Promise<void> => {
      closing = true;
      void client.dispose();
      if (socket) await terminate(socket);
    };
  });
}

interface PublishOp extends PendingOp {
  readonly seq: number;
  cancel(): void;
}

const publishOverhead = JSON.stringify({ query: publishMutation, variables: { record: null } }).length - 4;

/** The publisher: one graphql-ws connection; each send runs the publish mutation. */
export async function connect(ctx: ClientContext<GraphqlWsOptions>): Promise<PatternClient> {
  const connection = await open(endpoint(ctx.url), ctx.timeoutMs);
  const pending = new PendingQueue<PublishOp>(ctx.timeoutMs);
  let failure: OpError | undefined;
  const fail = (err: OpError): void => {
    failure ??= err;
    pending.failAll(failure);
  };
  connection.onLost(fail);

  return {
    send(msg) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        let result = '';
        const op: PublishOp = {
          seq: msg.seq,
          deadline: performance.now() + ctx.timeoutMs,
          settled: false,
          reject: (err) => {
            op.cancel();
            reject(err);
          },
          cancel: () => {},
        };
        const settle = (err?: OpError): void => {
          if (op.settled) return;
          op.settled = true;
          pending.dropSettled();
          if (err) return reject(err);
          ctx.payload.add(publishOverhead + jsonSize(msg), Buffer.byteLength(result));
          resolve();
        };
        pending.push(op);
        op.cancel = connection.client.subscribe<{ publish: number }>(
          { query: publishMutation, variables: { record: msg } },
          {
            next: (value) => {
              result = JSON.stringify(value);
              if (value.errors)
                return settle(new OpError('protocol', value.errors.map((e) => e.message).join('; ')));
              const seq = value.data?.publish;
              if (seq !== msg.seq)
                settle(new OpError('mismatch', `publish returned seq ${String(seq)} != ${msg.seq}`));
            },
            error: (err) => settle(connectionError(err, ctx.url.host)),
            complete: () =>
              settle(
                result === '' ? new OpError('protocol', 'publish completed without a result') : undefined,
              ),
          },
        );
      });
    },
    close() {
      fail(new OpError('connection', 'client closed'));
      return connection.close();
    },
  };
}

/** One subscriber: its own graphql-ws connection running the echoes subscription. */
export async function subscribe(ctx: SubscriberContext<GraphqlWsOptions>): Promise<Subscription> {
  const connection = await open(endpoint(ctx.url), ctx.timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      let live = false;
      const timer = setTimeout(
        () => reject(new OpError('timeout', `subscription not live within ${ctx.timeoutMs} ms`)),
        ctx.timeoutMs,
      );
      connection.onLost((err) => {
        clearTimeout(timer);
        reject(err);
      });
      connection.client.subscribe<{ echoes: EchoRecord | null }>(
        { query: echoesSubscription },
        {
          next: (value) => {
            const record = value.data?.echoes;
            if (record) return ctx.deliver(record.seq, record, Buffer.byteLength(JSON.stringify(value)));
            if (!live) {
              live = true;
              clearTimeout(timer);
              resolve();
            }
          },
          error: (err) => {
            clearTimeout(timer);
            reject(connectionError(err, ctx.url.host));
          },
          complete: () => {},
        },
      );
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  let closed: Promise<void> | undefined;
  return { close: () => (closed ??= connection.close()) };
}
