import { ServiceDelay } from '../delay.js';
import {
  Server,
  ServerCredentials,
  type ChannelOptions,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { urlOf } from '../net-util.js';
import type { RunningServer, ServerContext } from '../types.js';
import type { GrpcOptions } from './index.js';
import { echoCodec, unaryPath, type DecodedRecord } from './proto.js';

export async function startGrpcServer(ctx: ServerContext<GrpcOptions>): Promise<RunningServer> {
  const codec = echoCodec();
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
  const delay = new ServiceDelay(ctx.delayMs);
  const unary = (
    call: ServerUnaryCall<DecodedRecord, DecodedRecord>,
    callback: sendUnaryData<DecodedRecord>,
  ) => {
    delay.run(() => callback(null, call.request));
  };

  // Not 'grpc.enable_channelz': 0 — with channelz off, grpc-js 1.14 does not track sessions and
  // forceShutdown() leaves open connections (and their calls) alive.
  const options: ChannelOptions = {};
  if (ctx.options.maxConcurrentStreams > 0)
    options['grpc.max_concurrent_streams'] = ctx.options.maxConcurrentStreams;
  const server = new Server(options);
  server.addService(service, { Unary: unary });
  const host = ctx.host.includes(':') ? `[${ctx.host}]` : ctx.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${ctx.port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    url: urlOf('grpc', { address: ctx.host, port }),
    stop: () =>
      new Promise<void>((resolve) => {
        delay.cancelAll();
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 250);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
