import {
  Client,
  connectivityState,
  credentials,
  Metadata,
  status,
  type ChannelOptions,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { recordsEqual, type EchoRecord } from '../../message.js';
import { OpError, toOpError, type ClientContext, type PatternClient } from '../types.js';
import type { GrpcOptions } from './index.js';
import { echoCodec, unaryPath } from './proto.js';

/** Client channel options: an own HTTP/2 connection per channel, and nothing per call that the echo does not need. */
export const clientChannelOptions: ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.enable_retries': 0,
  'grpc.enable_channelz': 0,
};

const identity = (bytes: Buffer): Buffer => bytes;

function opErrorOf(err: ServiceError, closing: boolean): OpError {
  const message = `${status[err.code] ?? err.code}: ${err.details}`;
  if (err.code === status.DEADLINE_EXCEEDED) return new OpError('timeout', message, { cause: err });
  if (err.code === status.UNAVAILABLE || (closing && err.code === status.CANCELLED)) {
    return new OpError('connection', message, { cause: err });
  }
  return new OpError('protocol', message, { cause: err });
}

/** Waits until the channel is READY; TRANSIENT_FAILURE (e.g. nothing listening) rejects at once. */
function ready(client: Client, ctx: ClientContext<GrpcOptions>): Promise<void> {
  const channel = client.getChannel();
  const deadline = Date.now() + ctx.timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      const state = channel.getConnectivityState(true);
      if (state === connectivityState.READY) return resolve();
      if (state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN) {
        return reject(
          new OpError('connection', `cannot connect to ${ctx.url.host} (${connectivityState[state]})`),
        );
      }
      channel.watchConnectivityState(state, deadline, (err) => {
        if (err)
          reject(new OpError('timeout', `no connection to ${ctx.url.host} within ${ctx.timeoutMs} ms`));
        else check();
      });
    };
    check();
  });
}

export async function connectGrpc(ctx: ClientContext<GrpcOptions>): Promise<PatternClient> {
  const codec = echoCodec();
  const client = new Client(ctx.url.host, credentials.createInsecure(), clientChannelOptions);
  try {
    await ready(client, ctx);
  } catch (err) {
    client.close();
    throw err;
  }
  const metadata = new Metadata();
  const calls = new Set<ClientUnaryCall>();
  let closing = false;

  return {
    send(msg, verify) {
      if (closing) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const request = codec.encode(msg);
        let finished = false;
        let call: ClientUnaryCall | undefined;
        try {
          call = client.makeUnaryRequest<Buffer, Buffer>(
            unaryPath,
            identity,
            identity,
            request,
            metadata,
            { deadline: Date.now() + ctx.timeoutMs },
            (err, response) => {
              finished = true;
              if (call) calls.delete(call);
              if (err) return reject(opErrorOf(err, closing));
              if (response === undefined) return reject(new OpError('protocol', 'no response message'));
              let echo: Partial<EchoRecord>;
              try {
                echo = codec.decode(response);
              } catch (e) {
                return reject(
                  new OpError('protocol', `response is not an EchoRecord: ${(e as Error).message}`),
                );
              }
              if ((echo.seq ?? 0) !== msg.seq) {
                return reject(new OpError('mismatch', `echo seq ${echo.seq ?? 0} != ${msg.seq}`));
              }
              if (verify && !recordsEqual(echo, msg)) {
                return reject(new OpError('mismatch', `echo of seq ${msg.seq} differs from the request`));
              }
              ctx.payload.add(request.length, response.length);
              resolve();
            },
          );
        } catch (err) {
          return reject(toOpError(err));
        }
        if (!finished) calls.add(call);
      });
    },
    close() {
      if (!closing) {
        closing = true;
        for (const call of calls) call.cancel();
        client.close();
      }
      return Promise.resolve();
    },
  };
}
