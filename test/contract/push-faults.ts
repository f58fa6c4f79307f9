import type { ServerResponse } from 'node:http';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EchoRecord } from '../../src/message.js';
import { echoSchema } from '../../src/patterns/graphql-ws/schema.js';
import { jsonBody, listenHttp } from './fault-servers.js';
import type { FaultyServer, Mutate } from './faults.js';

/**
 * Stand-ins for the push patterns' servers, written apart from them: each applies `mutate` to what it
 * acks (the seq), echoes and pushes to subscribers. The patterns' clients must report what they got.
 */

function ack(res: ServerResponse, record: EchoRecord): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ seq: record.seq }));
}

async function websocket(mutate: Mutate): Promise<FaultyServer> {
  const subscribers = new Set<WebSocket>();
  let wss: WebSocketServer | undefined;
  return listenHttp(
    (_req, res) => res.writeHead(426).end(),
    'ws',
    (server) => {
      wss = new WebSocketServer({ server });
      wss.on('connection', (socket, req) => {
        if (req.url === '/subscribe') {
          subscribers.add(socket);
          socket.on('close', () => subscribers.delete(socket));
        }
        socket.on('message', (data: Buffer) => {
          const record = mutate(JSON.parse(data.toString()) as EchoRecord);
          if (req.url === '/echo') return socket.send(JSON.stringify(record));
          for (const s of subscribers) s.send(JSON.stringify(record));
          socket.send(JSON.stringify({ seq: record.seq }));
        });
      });
      return () => {
        for (const s of wss?.clients ?? []) s.terminate();
        wss?.close();
      };
    },
  );
}

async function sse(mutate: Mutate): Promise<FaultyServer> {
  const streams = new Set<ServerResponse>();
  return listenHttp((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(':\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    void jsonBody(req).then((record) => {
      const changed = mutate(record);
      for (const s of streams) s.write(`id:${changed.seq}\ndata:${JSON.stringify(changed)}\n\n`);
      ack(res, changed);
    });
  }, 'http');
}

async function poll(mutate: Mutate): Promise<FaultyServer> {
  const records: EchoRecord[] = [];
  return listenHttp((req, res) => {
    if (req.method === 'GET') {
      const since = new URL(req.url ?? '/', 'http://x').searchParams.get('since');
      const from = since === null ? records.length : Number(since);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ cursor: records.length, records: records.slice(from) }));
      return;
    }
    void jsonBody(req).then((record) => {
      const changed = mutate(record);
      records.push(changed);
      ack(res, changed);
    });
  }, 'http');
}

async function graphqlWs(mutate: Mutate): Promise<FaultyServer> {
  const waiting = new Set<(record: EchoRecord) => void>();
  async function* echoes(): AsyncGenerator<{ echoes: EchoRecord | null }> {
    const queue: EchoRecord[] = [];
    let wake: (() => void) | undefined;
    const push = (record: EchoRecord): void => {
      queue.push(record);
      wake?.();
    };
    waiting.add(push);
    try {
      yield { echoes: null };
      for (;;) {
        const record = queue.shift();
        if (record) yield { echoes: record };
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      waiting.delete(push);
    }
  }
  const schema = echoSchema({
    publish: (record) => {
      const changed = mutate(record);
      for (const push of waiting) push(changed);
      return Promise.resolve(changed.seq);
    },
    echoes,
  });
  let wss: WebSocketServer | undefined;
  let dispose: (() => void) | undefined;
  const server = await listenHttp(
    (_req, res) => res.writeHead(426).end(),
    'ws',
    (http) => {
      wss = new WebSocketServer({ server: http, path: '/graphql' });
      const disposable = useServer({ schema }, wss);
      dispose = () => void disposable.dispose();
      return () => {
        for (const s of wss?.clients ?? []) s.terminate();
        dispose?.();
        wss?.close();
      };
    },
  );
  return { url: `${server.url}/graphql`, stop: server.stop };
}

export const pushFaultyServers = {
  websocket,
  // ws-backplane's publisher and subscribers are websocket's (test/contract/claims.ts).
  'ws-backplane': websocket,
  sse,
  'graphql-ws': graphqlWs,
  poll,
};
