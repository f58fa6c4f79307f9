import { join } from 'node:path';
import protobuf from 'protobufjs';
import { recordsEqual, type EchoRecord } from '../../message.js';
import { OpError } from '../../toolkit/contract.js';
import { packageRoot } from '../../paths.js';

/** Full method paths of commbench.echo.v1.Echo (proto/echo.proto). */
export const unaryPath = '/commbench.echo.v1.Echo/Unary';
export const bidiStreamPath = '/commbench.echo.v1.Echo/BidiStream';
export const serverStreamPath = '/commbench.echo.v1.Echo/ServerStream';

/** EchoRecord as protobufjs decodes it: absent fields read as their defaults (0, '', false, []). */
export type DecodedRecord = Partial<EchoRecord>;

/** Encoder and decoder of commbench.echo.v1.EchoRecord, loaded once from proto/echo.proto. */
export interface EchoCodec {
  encode(record: EchoRecord | DecodedRecord): Buffer;
  decode(bytes: Buffer): DecodedRecord;
}

/** commbench.echo.v1.StreamRequest as protobufjs decodes it. */
export interface StreamRequest {
  record?: DecodedRecord;
  messages?: number;
}

/** Encoder and decoder of commbench.echo.v1.StreamRequest (the server-stream request). */
export interface StreamRequestCodec {
  encode(request: StreamRequest): Buffer;
  decode(bytes: Buffer): StreamRequest;
}

let root: protobuf.Root | undefined;
let codec: EchoCodec | undefined;
let streamCodec: StreamRequestCodec | undefined;

/** Encoder and decoder of the message type commbench.echo.v1.`name`, from proto/echo.proto (loaded once). */
function typeCodec<In extends object, Out>(
  name: string,
): { encode(value: In): Buffer; decode(bytes: Buffer): Out } {
  root ??= protobuf.loadSync(join(packageRoot(), 'proto', 'echo.proto'));
  const type = root.lookupType(`commbench.echo.v1.${name}`);
  return {
    encode: (value) => toBuffer(type.encode(value).finish()),
    decode: (bytes) => type.decode(bytes) as Out,
  };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function echoCodec(): EchoCodec {
  return (codec ??= typeCodec<EchoRecord | DecodedRecord, DecodedRecord>('EchoRecord'));
}

export function streamRequestCodec(): StreamRequestCodec {
  return (streamCodec ??= typeCodec<StreamRequest, StreamRequest>('StreamRequest'));
}

/** Checks one decoded echo against the request; undefined when it matches. */
export function echoProblem(response: Buffer, msg: EchoRecord, verify: boolean): OpError | undefined {
  let echo: Partial<EchoRecord>;
  try {
    echo = echoCodec().decode(response);
  } catch (e) {
    return new OpError('protocol', `response is not an EchoRecord: ${(e as Error).message}`);
  }
  if ((echo.seq ?? 0) !== msg.seq) return new OpError('mismatch', `echo seq ${echo.seq ?? 0} != ${msg.seq}`);
  if (verify && !recordsEqual(echo, msg)) {
    return new OpError('mismatch', `echo of seq ${msg.seq} differs from the request`);
  }
  return undefined;
}

/** Bytes of `seq` as a protobuf varint. */
export function varintBytes(seq: number): number {
  return seq < 0x80 ? 1 : seq < 0x4000 ? 2 : seq < 0x200000 ? 3 : seq < 0x10000000 ? 4 : 5;
}

/** Reads the seq (field 1 varint) at the start of an encoded EchoRecord; -1 when it is not there. */
export function leadingSeq(message: Buffer, from: number): number {
  if (message[from] !== 0x08) return 0;
  let v = 0;
  let scale = 1;
  for (let i = from + 1; i < from + 6 && i < message.length; i++) {
    const b = message[i] as number;
    v += (b & 0x7f) * scale;
    if (b < 0x80) return v;
    scale *= 128;
  }
  return -1;
}

/**
 * Checks one echoed message (without its 5-byte gRPC prefix) against the request of
 * `requestBytes` bytes: by length and leading seq when it has the request's shape, else (and
 * always with verify) decoded and compared field by field.
 */
export function grpcEchoProblem(
  message: Buffer,
  msg: EchoRecord,
  requestBytes: number,
  verify: boolean,
): OpError | undefined {
  if (!verify && message.length === requestBytes && leadingSeq(message, 0) === msg.seq) return undefined;
  return echoProblem(message, msg, verify);
}
