import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { EchoRecord } from '../../message.js';
import { packageRoot } from '../../paths.js';

/** Full method path of commbench.echo.v1.Echo/Unary (proto/echo.proto). */
export const unaryPath = '/commbench.echo.v1.Echo/Unary';

/** EchoRecord as protobufjs decodes it: absent fields read as their defaults (0, '', false, []). */
export type DecodedRecord = Partial<EchoRecord>;

/** Encoder and decoder of commbench.echo.v1.EchoRecord, loaded once from proto/echo.proto. */
export interface EchoCodec {
  encode(record: EchoRecord | DecodedRecord): Buffer;
  decode(bytes: Buffer): DecodedRecord;
}

let codec: EchoCodec | undefined;

export function echoCodec(): EchoCodec {
  if (codec) return codec;
  const root = protobuf.loadSync(join(packageRoot(), 'proto', 'echo.proto'));
  const type = root.lookupType('commbench.echo.v1.EchoRecord');
  codec = {
    encode(record) {
      const bytes = type.encode(record).finish();
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    decode: (bytes) => type.decode(bytes) as DecodedRecord,
  };
  return codec;
}
