import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { EchoRecord } from '../../message.js';

/** Full method path of commbench.echo.v1.Echo/Unary (proto/echo.proto). */
export const unaryPath = '/commbench.echo.v1.Echo/Unary';

/** The package root: the nearest folder up from this file with a package.json (works from src/ and dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

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
