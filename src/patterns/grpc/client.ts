import {
  Client,
  connectivityState,
  credentials,
  Metadata,
  status,
  type ChannelOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import type { EchoRecord } from '../../message.js';
import { PendingQueue, type PendingOp } from '../../toolkit/pending.js';
import {
  maxResponseBytes,
  OpError,
  toOpError,
  type ClientContext,
  type ErrorKind,
  type PatternClient,
} from '../../toolkit/contract.js';
import type { GrpcOptions } from './index.js';
import {
  bidiStreamPath,
  echoCodec,
  echoProblem,
  serverStreamPath,
  streamRequestCodec,
  unaryPath,
} from './proto.js';

/**
 * Client channel options: an own HTTP/2 connection per channel, nothing per call that the echo does
 * not need, and messages read up to maxResponseBytes (grpc-js's default is 4 MiB; a bigger one is
 * refused at its length prefix, 'oversize').
 */
export const clientChannelOptions: ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.max_receive_message_length': maxResponseBytes,
  'grpc.enable_retries': 0,
  'grpc.enable_channelz': 0,
};

/** The (de)serializer of calls that carry encoded messages as they are. */
export const identity = (bytes: Buffer): Buffer => bytes;

/**
 * The OpError kind of a grpc-js call error: DEADLINE_EXCEEDED, UNAVAILABLE (or CANCELLED while
 * closing), a received message over the channel's maximum (oversize), else protocol.
 */
export function errorKindOf(err: ServiceError, closing: boolean): ErrorKind {
  if (err.code === status.DEADLINE_EXCEEDED) return 'timeout';
  if (err.code === status.RESOURCE_EXHAUSTED && /^Received message larger than max/.test(err.details))
    return 'oversize';
  if (err.code === status.UNAVAILABLE || (closing && err.code === status.CANCELLED)) return 'connection';
  return 'protocol';
}

/** A grpc-js call error as an OpError of its kind (errorKindOf), "STATUS: details". */
export function opErrorOf(err: ServiceError, closing: boolean): OpError {
  return new OpError(errorKindOf(err, closing), `${status[err.code] ?? err.code}: ${err.details}`, {
    cause: err,
  });
}

/** Waits until the channel is READY; TRANSIENT_FAILURE (e.g. nothing listening) rejects at once. */
export function ready(client: Client, ctx: Pick<ClientContext<unknown>, 'url' | 'timeoutMs'>): Promise<void> {
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

/** A channel to ctx.url (clientChannelOptions, no TLS), once it is READY; closed again when it does not get there. */
export async function openChannel(ctx: Pick<ClientContext<unknown>, 'url' | 'timeoutMs'>): Promise<Client> {
  const client = new Client(ctx.url.host, credentials.createInsecure(), clientChannelOptions);
  try {
    await ready(client, ctx);
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/** The first value of a metadata key as a string; undefined when the key is absent. */
export function metadataString(md: Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return v === undefined ? undefined : String(v);
}

/**
 * The calls in flight on one channel. close() cancels them and closes the channel, once; from then
 * on `closing` is true (new sends fail, and a call cancelled by it counts as a connection error).
 */
export class ChannelCalls<C extends { cancel(): void }> {
  readonly live = new Set<C>();
  closing = false;

  constructor(private readonly client: Client) {}

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      for (const call of this.live) call.cancel();
      this.client.close();
    }
    return Promise.resolve();
  }
}

export async function connectGrpc(ctx: ClientContext<GrpcOptions>): Promise<PatternClient> {
  const client = await openChannel(ctx);
  switch (ctx.options.mode) {
    case 'unary':
      return unaryClient(client, ctx);
    case 'bidi-stream':
      return bidiStreamClient(client, ctx);
    case 'server-stream':
      return serverStreamClient(client, ctx);
  }
}

/**
 * Per-call metadata for the unary client (the call chain's trace context): `outgoing()` is sent
 * with each call, and once the echo has passed, `check` sees it beside the response's metadata
 * (undefined when none came); it returns the OpError to fail with, or undefined.
 */
export interface UnaryMetadata {
  outgoing(): Metadata;
  check(sent: Metadata, received: Metadata | undefined): OpError | undefined;
}

/** One Unary call per operation on `client`; without `perCall` every call sends the same empty metadata. */
export function unaryClient(
  client: Client,
  ctx: Pick<ClientContext<unknown>, 'timeoutMs' | 'payload'>,
  perCall?: UnaryMetadata,
): PatternClient {
  const codec = echoCodec();
  const plain = new Metadata();
  const calls = new ChannelCalls<ClientUnaryCall>(client);

  return {
    send(msg, verify) {
      if (calls.closing) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const request = codec.encode(msg);
        const metadata = perCall ? perCall.outgoing() : plain;
        let received: Metadata | undefined;
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
              if (call) calls.live.delete(call);
              if (err) return reject(opErrorOf(err, calls.closing));
              if (response === undefined) return reject(new OpError('protocol', 'no response message'));
              const problem = echoProblem(response, msg, verify) ?? perCall?.check(metadata, received);
              if (problem) return reject(problem);
              ctx.payload.add(request.length, response.length);
              resolve();
            },
          );
          if (perCall) call.on('metadata', (md: Metadata) => (received = md));
        } catch (err) {
          return reject(toOpError(err));
        }
        if (!finished) calls.live.add(call);
      });
    },
    close: () => calls.close(),
  };
}

interface StreamOp extends PendingOp {
  readonly msg: EchoRecord;
  readonly requestBytes: number;
  readonly verify: boolean;
  resolve(): void;
}

/**
 * One BidiStream call per connection, opened on the first send (and again after the stream
 * failed). The server answers messages in order, so echoes are matched to operations FIFO.
 */
function bidiStreamClient(client: Client, ctx: ClientContext<GrpcOptions>): PatternClient {
  const codec = echoCodec();
  const metadata = new Metadata();
  const pending = new PendingQueue<StreamOp>(ctx.timeoutMs);
  let call: ClientDuplexStream<Buffer, Buffer> | undefined;
  let closing = false;

  const open = (): ClientDuplexStream<Buffer, Buffer> => {
    const stream = client.makeBidiStreamRequest<Buffer, Buffer>(bidiStreamPath, identity, identity, metadata);
    const fail = (err: OpError) => {
      if (call !== stream) return;
      call = undefined;
      pending.failAll(err);
      stream.cancel();
    };
    stream.on('data', (response: Buffer) => {
      if (call !== stream) return;
      const op = pending.shift();
      if (op === undefined) return fail(new OpError('protocol', 'echo without a pending message'));
      if (op.settled) return;
      op.settled = true;
      const problem = echoProblem(response, op.msg, op.verify);
      if (problem) return op.reject(problem);
      ctx.payload.add(op.requestBytes, response.length);
      op.resolve();
    });
    stream.on('error', (err: ServiceError) => fail(opErrorOf(err, closing)));
    stream.on('status', (s: StatusObject) => {
      if (s.code === status.OK) fail(new OpError('connection', 'the server ended the stream'));
    });
    return stream;
  };

  return {
    send(msg, verify) {
      if (closing) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const request = codec.encode(msg);
        const stream = (call ??= open());
        pending.push({
          msg,
          requestBytes: request.length,
          verify,
          deadline: performance.now() + ctx.timeoutMs,
          settled: false,
          resolve,
          reject,
        });
        stream.write(request);
      });
    },
    close() {
      if (!closing) {
        closing = true;
        pending.failAll(new OpError('connection', 'client closed'));
        const stream = call;
        call = undefined;
        stream?.cancel();
        client.close();
      }
      return Promise.resolve();
    },
  };
}

/** One ServerStream call per operation; it succeeds when all `messages` copies have arrived. */
function serverStreamClient(client: Client, ctx: ClientContext<GrpcOptions>): PatternClient {
  const requests = streamRequestCodec();
  const metadata = new Metadata();
  const calls = new ChannelCalls<ClientReadableStream<Buffer>>(client);
  const { messages } = ctx.options;

  return {
    send(msg, verify) {
      if (calls.closing) return Promise.reject(new OpError('connection', 'client closed'));
      return new Promise<void>((resolve, reject) => {
        const request = requests.encode({ record: msg, messages });
        let call: ClientReadableStream<Buffer>;
        try {
          call = client.makeServerStreamRequest<Buffer, Buffer>(
            serverStreamPath,
            identity,
            identity,
            request,
            metadata,
            { deadline: Date.now() + ctx.timeoutMs },
          );
        } catch (err) {
          return reject(toOpError(err));
        }
        calls.live.add(call);
        let received = 0;
        let bytes = 0;
        let settled = false;
        const settle = (err?: OpError) => {
          if (settled) return;
          settled = true;
          calls.live.delete(call);
          if (err) {
            call.cancel();
            return reject(err);
          }
          ctx.payload.add(request.length, bytes);
          resolve();
        };
        call.on('data', (response: Buffer) => {
          received++;
          bytes += response.length;
          const problem = echoProblem(response, msg, verify);
          if (problem) settle(problem);
        });
        call.on('error', (err: ServiceError) => settle(opErrorOf(err, calls.closing)));
        call.on('status', (s: StatusObject) => {
          if (s.code !== status.OK) return; // 'error' has it
          if (received !== messages) {
            return settle(new OpError('protocol', `${received} of ${messages} stream messages arrived`));
          }
          settle();
        });
      });
    },
    close: () => calls.close(),
  };
}
