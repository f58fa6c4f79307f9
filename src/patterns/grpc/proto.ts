import { join } from 'node:path';
import protobuf from 'protobufjs';
import { recordsEqual, type EchoRecord } from '../../message.js';
import { OpError } from '../types.js';
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

function lookup(name: string): protobuf.Type {
  root ??= protobuf.loadSync(join(packageRoot(), 'proto', 'echo.proto'));
  return root.lookupType(`commbench.echo.v1.${name}`);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function echoCodec(): EchoCodec {
  if (codec) return codec;
  const type = lookup('EchoRecord');
  codec = {
    encode: (record) => toBuffer(type.encode(record).finish()),
    decode: (bytes) => type.decode(bytes) as DecodedRecord,
  };
  return codec;
}

export function streamRequestCodec(): StreamRequestCodec {
  if (streamCodec) return streamCodec;
  const type = lookup('StreamRequest');
  streamCodec = {
    encode: (request) => toBuffer(type.encode(request).finish()),
    decode: (bytes) => type.decode(bytes) as StreamRequest,
  };
  return streamCodec;
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
