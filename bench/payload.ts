/**
 * The one request every tool sends: commbench's 1 KiB mixed record (seq 0) as a JSON body for
 * REST, and as a gRPC length-prefixed protobuf message for gRPC; written to files the external
 * tools read.
 */
import { connect, constants } from 'node:http2';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRecord, recordsEqual, type EchoRecord, type MessageShape } from '../src/message.js';
import { echoCodec, unaryPath } from '../src/patterns/grpc/proto.js';

export interface PayloadFiles {
  readonly dir: string;
  readonly record: EchoRecord;
  /** JSON body (what commbench's rest client sends for seq 0). */
  readonly json: string;
  readonly jsonBytes: number;
  /** gRPC message: 1 byte flags (0 = uncompressed), 4 bytes big-endian length, protobuf. */
  readonly grpcFrame: Buffer;
  readonly jsonFile: string;
  readonly grpcFile: string;
  /** wrk script posting `jsonFile` with content-type application/json. */
  readonly wrkScript: string;
  remove(): Promise<void>;
}

export async function writePayloads(size: number, shape: MessageShape): Promise<PayloadFiles> {
  const record = makeRecord(size, shape);
  const json = JSON.stringify(record);
  const grpcFrame = grpcMessage(echoCodec().encode(record));
  const dir = await mkdtemp(join(tmpdir(), 'commbench-bench-'));
  const jsonFile = join(dir, 'body.json');
  const grpcFile = join(dir, 'body.grpc');
  const wrkScript = join(dir, 'post.lua');
  await writeFile(jsonFile, json);
  await writeFile(grpcFile, grpcFrame);
  await writeFile(
    wrkScript,
    [
      `local f = assert(io.open(${JSON.stringify(jsonFile)}, "rb"))`,
      'wrk.body = f:read("*a")',
      'f:close()',
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "application/json"',
      '',
    ].join('\n'),
  );
  return {
    dir,
    record,
    json,
    jsonBytes: Buffer.byteLength(json),
    grpcFrame,
    jsonFile,
    grpcFile,
    wrkScript,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function grpcMessage(proto: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(proto.length, 1);
  return Buffer.concat([header, proto]);
}

/**
 * Sends `frame` once over node:http2 with the headers h2load uses and checks what h2load cannot:
 * grpc-status 0 in the trailers and an echo equal to the request. Resolves to a problem, or
 * undefined when the exchange is a successful gRPC call.
 */
export function checkGrpcExchange(
  url: string,
  frame: Buffer,
  record: EchoRecord,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const session = connect(url);
    const finish = (problem: string | undefined): void => {
      clearTimeout(timer);
      session.close();
      resolve(problem);
    };
    const timer = setTimeout(() => {
      session.destroy();
      resolve('no answer within 5 s');
    }, 5000);
    session.once('error', (err) => finish(`connection: ${err.message}`));
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: unaryPath,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let status = 0;
    let grpcStatus: string | undefined;
    const chunks: Buffer[] = [];
    stream.once('response', (headers) => {
      status = Number(headers[constants.HTTP2_HEADER_STATUS]);
      const trailersOnly = headers['grpc-status'];
      if (typeof trailersOnly === 'string') grpcStatus = trailersOnly;
    });
    stream.once('trailers', (trailers) => {
      const value = trailers['grpc-status'];
      if (typeof value === 'string') grpcStatus = value;
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('error', (err) => finish(`stream: ${err.message}`));
    stream.once('close', () => {
      if (status !== 200) return finish(`HTTP status ${status}`);
      if (grpcStatus !== '0') return finish(`grpc-status ${grpcStatus ?? 'missing'}`);
      const body = Buffer.concat(chunks);
      if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5) {
        return finish(`response is not one gRPC message (${body.length} bytes)`);
      }
      try {
        const echo = echoCodec().decode(body.subarray(5));
        finish(recordsEqual(echo, record) ? undefined : 'the echo differs from the request');
      } catch (err) {
        finish(`response is not an EchoRecord: ${(err as Error).message}`);
      }
    });
    stream.end(frame);
  });
}
