import {
  Client,
  credentials,
  Metadata,
  Server,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { ServiceDelay } from '../../toolkit/delay.js';
import { echoCodec, unaryPath, type DecodedRecord } from '../grpc/proto.js';
import { clientChannelOptions, metadataString } from '../grpc/client.js';
import { bindInsecure, echoService, shutdown } from '../grpc/server.js';
import { urlOf } from '../../toolkit/net-util.js';
import type { RunningServer } from '../../toolkit/contract.js';
import { OutageClock } from '../../hops/fail.js';
import type { HopEntry } from '../../hops/process.js';
import type { ServiceConfig } from '../../hops/rest-service.js';
import {
  childTraceparent,
  parseTraceparent,
  traceparentHeader,
  traceresponseHeader,
} from '../../hops/trace.js';

/** commbench.echo.v1.Echo/Unary only (the chain's services are unary). */
export function unaryService(): ServiceDefinition {
  const { Unary } = echoService();
  return { Unary };
}

/**
 * One service of a call chain over gRPC unary (protobuf decoded and encoded at every hop): the
 * last service answers the echo; every other one calls `next` with the decoded record (one
 * channel, calls multiplexed) and answers with the decoded reply. With `traceContext`, the
 * `traceparent` metadata is required (INVALID_ARGUMENT without it), a child goes onward and the
 * last service sends `traceresponse` as response metadata. A failing downstream is UNAVAILABLE,
 * and so is every call during an `outage` (failHop).
 */
/** The hop process's entry (hops/hop-main.ts). */
export const startHop: HopEntry = (config) => startGrpcService(config as ServiceConfig);

export async function startGrpcService(config: ServiceConfig): Promise<RunningServer> {
  const delay = new ServiceDelay(config.delayMs);
  const codec = echoCodec();
  const outage = new OutageClock(config.outage);
  const next = config.next
    ? new Client(new URL(config.next).host, credentials.createInsecure(), clientChannelOptions)
    : undefined;

  const unary = (
    call: ServerUnaryCall<DecodedRecord, DecodedRecord>,
    callback: sendUnaryData<DecodedRecord>,
  ): void => {
    outage.touch();
    if (outage.down) return callback({ code: status.UNAVAILABLE, details: 'service down (failHop)' });
    let traceparent: string | undefined;
    if (config.traceContext) {
      const parent = parseTraceparent(metadataString(call.metadata, traceparentHeader));
      if (!parent) return callback({ code: status.INVALID_ARGUMENT, details: 'no valid traceparent' });
      traceparent = childTraceparent(parent);
    }
    const answer = (record: DecodedRecord, traceresponse: string | undefined): void =>
      delay.run(() => {
        if (traceresponse !== undefined) {
          const md = new Metadata();
          md.set(traceresponseHeader, traceresponse);
          call.sendMetadata(md);
        }
        callback(null, record);
      });
    if (!next) return answer(call.request, traceparent);
    const out = new Metadata();
    if (traceparent !== undefined) out.set(traceparentHeader, traceparent);
    let traceresponse: string | undefined;
    const downstream = next.makeUnaryRequest<DecodedRecord, DecodedRecord>(
      unaryPath,
      codec.encode,
      codec.decode,
      call.request,
      out,
      (err, reply) => {
        if (err || reply === undefined) {
          return callback({ code: status.UNAVAILABLE, details: `next hop: ${err?.details ?? 'no reply'}` });
        }
        answer(reply, traceresponse);
      },
    );
    downstream.on('metadata', (md: Metadata) => {
      traceresponse = metadataString(md, traceresponseHeader);
    });
  };

  const server = new Server();
  server.addService(unaryService(), { Unary: unary });
  const port = await bindInsecure(server, config.host, config.port);
  return {
    url: urlOf('grpc', { address: config.host, port }),
    stop: () => {
      delay.cancelAll();
      outage.cancel();
      next?.close();
      return shutdown(server);
    },
  };
}
