import { createServer as createNetServer, type Socket } from 'node:net';
import {
  constants as h2,
  createSecureServer,
  createServer as createH2Server,
  type Http2Session,
} from 'node:http2';
import { Server, type ServerDuplexStream, type ServerWritableStream } from '@grpc/grpc-js';
import type { EchoRecord } from '../../src/message.js';
import type { DecodedRecord, StreamRequest } from '../../src/patterns/grpc/proto.js';
import { echoService } from '../../src/patterns/grpc/server.js';
import { selfSigned } from '../../src/patterns/rest-h2/cert.js';
import { encodeFrame, FrameReader, headerBytes } from '../../src/patterns/tcp/framing.js';
import { jsonBody, listenGrpc, listenHttp, toRecord } from './fault-servers.js';
import { pushFaultyServers } from './push-faults.js';
import { queueFaultyServers } from './queues.js';
import type { PatternName } from '../../src/patterns/registry.js';
import { architectureFaultyServers } from './architecture.js';
import { claimsFaultyServers } from './claims.js';
import { isolationFaultyServers } from './isolation.js';

/** A server that answers like the pattern's, but with `mutate` applied to each echoed record. */
export interface FaultyServer {
  readonly url: string;
  stop(): Promise<void>;
}
export type Mutate = (record: EchoRecord) => EchoRecord;
/** Pattern options as written in a scenario (unparsed). */
export type Options = Record<string, unknown>;

async function tcp(mutate: Mutate): Promise<FaultyServer> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const reader = new FrameReader((frame) => {
      const record = JSON.parse(frame.toString('utf8', headerBytes)) as EchoRecord;
      socket.write(encodeFrame(JSON.stringify(mutate(record))));
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `tcp://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function rest(mutate: Mutate): Promise<FaultyServer> {
  return listenHttp((req, res) => {
    void jsonBody(req).then((record) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(mutate(record)));
    });
  });
}

async function restH2(mutate: Mutate, options: Options): Promise<FaultyServer> {
  const identity = options.tls === true ? await selfSigned() : undefined;
  const server = identity ? createSecureServer({ cert: identity.cert, key: identity.key }) : createH2Server();
  const sessions = new Set<Http2Session>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream) => {
    void jsonBody(stream).then((record) => {
      const body = JSON.stringify(mutate(record));
      stream.respond({ [h2.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/json' });
      stream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const pin = identity?.fingerprint256.replaceAll(':', '').toLowerCase();
  return {
    url: pin ? `https://127.0.0.1:${port}/#sha256=${pin}` : `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}

async function graphql(mutate: Mutate, options: Options): Promise<FaultyServer> {
  return listenHttp((req, res) => {
    void jsonBody<{ variables: { input: EchoRecord } }>(req).then((request) => {
      const echo = mutate(request.variables.input);
      const data = { echo: options.selection === 'narrow' ? { seq: echo.seq, name: echo.name } : echo };
      res
        .writeHead(200, { 'content-type': 'application/graphql-response+json' })
        .end(JSON.stringify({ data }));
    });
  });
}

async function grpc(mutate: Mutate): Promise<FaultyServer> {
  const server = new Server();
  server.addService(echoService(), {
    Unary: (call: { request: DecodedRecord }, callback: (err: null, value: EchoRecord) => void) =>
      callback(null, mutate(toRecord(call.request))),
    BidiStream: (call: ServerDuplexStream<DecodedRecord, EchoRecord>) => {
      call.on('data', (record: DecodedRecord) => call.write(mutate(toRecord(record))));
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
    ServerStream: (call: ServerWritableStream<StreamRequest, EchoRecord>) => {
      const messages = call.request.messages ?? 0;
      for (let i = 0; i < messages; i++) call.write(mutate(toRecord(call.request.record ?? {})));
      call.end();
    },
  });
  return listenGrpc(server);
}

export const faultyServers: Record<PatternName, (mutate: Mutate, options: Options) => Promise<FaultyServer>> =
  {
    ...architectureFaultyServers,
    ...pushFaultyServers,
    ...queueFaultyServers,
    ...claimsFaultyServers,
    ...isolationFaultyServers,
    tcp,
    rest,
    'rest-h2': restH2,
    grpc,
    graphql,
  };
