import { ServiceDelay } from '../../toolkit/delay.js';
import {
  Server,
  ServerCredentials,
  type ChannelOptions,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { urlOf } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { GrpcOptions } from './index.js';
import {
  bidiStreamPath,
  echoCodec,
  serverStreamPath,
  streamRequestCodec,
  unaryPath,
  type DecodedRecord,
  type StreamRequest,
} from './proto.js';

/** The Echo service definition (every mode; the server always offers all three RPCs, each by its name). */
export function echoService() {
  const codec = echoCodec();
  const requests = streamRequestCodec();
  const method = (path: string, requestStream: boolean, responseStream: boolean) => ({
    path,
    requestStream,
    responseStream,
    requestSerialize: codec.encode,
    requestDeserialize: codec.decode,
    responseSerialize: codec.encode,
    responseDeserialize: codec.decode,
    originalName: path.slice(path.lastIndexOf('/') + 1),
  });
  return {
    Unary: method(unaryPath, false, false),
    BidiStream: method(bidiStreamPath, true, true),
    ServerStream: {
      ...method(serverStreamPath, false, true),
      requestSerialize: requests.encode,
      requestDeserialize: requests.decode,
    },
  } satisfies ServiceDefinition;
}

export async function startServer(ctx: ServerContext<GrpcOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const unary = (
    call: ServerUnaryCall<DecodedRecord, DecodedRecord>,
    callback: sendUnaryData<DecodedRecord>,
  ) => {
    delay.run(() => callback(null, call.request));
  };
  const bidiStream = (call: ServerDuplexStream<DecodedRecord, DecodedRecord>) => {
    // Ends the response stream once the client has half-closed and every echo is written.
    let outstanding = 0;
    let ended = false;
    call.on('data', (record: DecodedRecord) => {
      outstanding++;
      delay.run(() => {
        outstanding--;
        if (call.cancelled) return;
        call.write(record);
        if (ended && outstanding === 0) call.end();
      });
    });
    call.on('end', () => {
      ended = true;
      if (outstanding === 0 && !call.cancelled) call.end();
    });
    call.on('error', () => {}); // a cancelled call; grpc-js has already ended it
  };
  const serverStream = (call: ServerWritableStream<StreamRequest, DecodedRecord>) => {
    const record = call.request.record ?? {};
    const messages = call.request.messages ?? 0;
    delay.run(() => {
      if (call.cancelled) return;
      for (let i = 0; i < messages; i++) call.write(record);
      call.end();
    });
  };

  // Not 'grpc.enable_channelz': 0 — with channelz off, grpc-js 1.14 does not track sessions and
  // forceShutdown() leaves open connections (and their calls) alive.
  const options: ChannelOptions = {};
  if (ctx.options.maxConcurrentStreams > 0)
    options['grpc.max_concurrent_streams'] = ctx.options.maxConcurrentStreams;
  const server = new Server(options);
  server.addService(echoService(), { Unary: unary, BidiStream: bidiStream, ServerStream: serverStream });
  const port = await bindInsecure(server, ctx.host, ctx.port);
  return {
    url: urlOf('grpc', { address: ctx.host, port }),
    stop: () => {
      delay.cancelAll();
      return shutdown(server);
    },
  };
}

/** Stops `server`: calls in flight may finish within 250 ms, then it is shut down by force. */
export function shutdown(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 250);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/** Binds `server` without TLS on host:port (IPv6 hosts bracketed); resolves with the port bound. */
export function bindInsecure(server: Server, host: string, port: number): Promise<number> {
  const at = host.includes(':') ? `[${host}]` : host;
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(`${at}:${port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
}
