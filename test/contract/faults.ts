import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import type { EchoRecord } from '../../src/message.js';
import { echoCodec, unaryPath, type DecodedRecord } from '../../src/patterns/grpc/proto.js';
import { encodeFrame, FrameReader, headerBytes } from '../../src/patterns/tcp/framing.js';
import type { PatternName } from '../../src/patterns/registry.js';

/** A server that answers like the pattern's, but with `mutate` applied to each echoed record. */
export interface FaultyServer {
  readonly url: string;
  stop(): Promise<void>;
}
export type Mutate = (record: EchoRecord) => EchoRecord;

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

async function grpc(mutate: Mutate): Promise<FaultyServer> {
  const codec = echoCodec();
  const toRecord = (d: DecodedRecord): EchoRecord => ({
    seq: d.seq ?? 0,
    name: d.name ?? '',
    items: d.items ?? [],
    text: d.text ?? '',
  });
  const service: ServiceDefinition = {
    Unary: {
      path: unaryPath,
      requestStream: false,
      responseStream: false,
      requestSerialize: codec.encode,
      requestDeserialize: codec.decode,
      responseSerialize: codec.encode,
      responseDeserialize: codec.decode,
      originalName: 'unary',
    },
  };
  const server = new Server();
  server.addService(service, {
    Unary: (call: { request: DecodedRecord }, callback: (err: null, value: EchoRecord) => void) =>
      callback(null, mutate(toRecord(call.request))),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { url: `grpc://127.0.0.1:${port}`, stop: async () => server.forceShutdown() };
}

export const faultyServers: Record<PatternName, (mutate: Mutate) => Promise<FaultyServer>> = {
  tcp,
  rest,
  grpc,
};
