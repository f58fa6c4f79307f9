import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import {
  constants as h2,
  createSecureServer,
  createServer as createH2Server,
  type Http2Session,
} from 'node:http2';
import { Server, ServerCredentials, type ServerDuplexStream, type ServerWritableStream } from '@grpc/grpc-js';
import type { EchoRecord } from '../../src/message.js';
import type { DecodedRecord, StreamRequest } from '../../src/patterns/grpc/proto.js';
import { echoService } from '../../src/patterns/grpc/server.js';
import { selfSigned } from '../../src/patterns/rest-h2/cert.js';
import { encodeFrame, FrameReader, headerBytes } from '../../src/patterns/tcp/framing.js';
import { pushFaultyServers } from './push-faults.js';
import { queueFaultyServers } from './queues.js';
import type { PatternName } from '../../src/patterns/registry.js';
import { architectureFaultyServers } from './architecture.js';
import { claimsFaultyServers } from './claims.js';

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
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify(mutate(JSON.parse(Buffer.concat(chunks).toString()) as EchoRecord));
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
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
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = JSON.stringify(mutate(JSON.parse(Buffer.concat(chunks).toString()) as EchoRecord));
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
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = JSON.parse(Buffer.concat(chunks).toString()) as { variables: { input: EchoRecord } };
      const echo = mutate(request.variables.input);
      const data = { echo: options.selection === 'narrow' ? { seq: echo.seq, name: echo.name } : echo };
      res
        .writeHead(200, { 'content-type': 'application/graphql-response+json' })
        .end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function grpc(mutate: Mutate): Promise<FaultyServer> {
  const toRecord = (d: DecodedRecord): EchoRecord => ({
    seq: d.seq ?? 0,
    name: d.name ?? '',
    items: d.items ?? [],
    text: d.text ?? '',
  });
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
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { url: `grpc://127.0.0.1:${port}`, stop: async () => server.forceShutdown() };
}

export const faultyServers: Record<PatternName, (mutate: Mutate, options: Options) => Promise<FaultyServer>> =
  {
    ...architectureFaultyServers,
    ...pushFaultyServers,
    ...queueFaultyServers,
    ...claimsFaultyServers,
    tcp,
    rest,
    'rest-h2': restH2,
    grpc,
    graphql,
  };
