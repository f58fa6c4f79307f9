import { status, type Client, type Metadata, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { CommbenchError } from '../../errors.js';
import { findMethod, type OwnMethod } from './own-proto.js';

/** grpc.reflection.v1 (and v1alpha, the same messages) ServerReflectionInfo, the fields used here. */
const reflectionRoot = protobuf.Root.fromJSON({
  nested: {
    r: {
      nested: {
        Request: {
          fields: {
            host: { type: 'string', id: 1 },
            fileByFilename: { type: 'string', id: 3 },
            fileContainingSymbol: { type: 'string', id: 4 },
            listServices: { type: 'string', id: 7 },
          },
        },
        Response: {
          fields: {
            fileDescriptorResponse: { type: 'Files', id: 4 },
            listServicesResponse: { type: 'Services', id: 6 },
            errorResponse: { type: 'Error', id: 7 },
          },
        },
        Files: { fields: { fileDescriptorProto: { rule: 'repeated', type: 'bytes', id: 1 } } },
        Services: { fields: { service: { rule: 'repeated', type: 'Service', id: 1 } } },
        Service: { fields: { name: { type: 'string', id: 1 } } },
        Error: { fields: { errorCode: { type: 'int32', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
      },
    },
  },
});
const Request = reflectionRoot.lookupType('r.Request');
const Response = reflectionRoot.lookupType('r.Response');

interface ReflectionResponse {
  fileDescriptorResponse?: { fileDescriptorProto?: Uint8Array[] };
  listServicesResponse?: { service?: { name?: string }[] };
  errorResponse?: { errorCode?: number; errorMessage?: string };
}

const paths = [
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
];

const unavailableHint =
  'the server does not offer reflection: give its .proto with request.proto (--proto), imports with importPaths';

/** One reflection request/response on a fresh stream. */
function ask(
  client: Client,
  path: string,
  request: Record<string, string>,
  timeoutMs: number,
  metadata: Metadata,
): Promise<ReflectionResponse> {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest<Buffer, Buffer>(
      path,
      (b) => b,
      (b) => b,
      metadata,
      { deadline: Date.now() + timeoutMs },
    );
    let done = false;
    call.on('data', (bytes: Buffer) => {
      done = true;
      resolve(Response.toObject(Response.decode(bytes), { bytes: Array }) as ReflectionResponse);
      call.cancel();
    });
    call.on('error', (err: ServiceError) => {
      if (!done) reject(err);
    });
    call.write(Buffer.from(Request.encode(Request.fromObject(request)).finish()));
    call.end();
  });
}

/**
 * Resolves `call` (package.Service/Method) through the server's reflection service (v1, then
 * v1alpha): the file declaring the service and every file it imports, as one protobufjs Root.
 */
export async function reflectMethod(
  client: Client,
  call: string,
  timeoutMs: number,
  metadata: Metadata,
): Promise<OwnMethod> {
  const serviceName = call.slice(0, call.lastIndexOf('/'));
  let path: string | undefined;
  let first: ReflectionResponse | undefined;
  for (const candidate of paths) {
    try {
      first = await ask(client, candidate, { fileContainingSymbol: serviceName }, timeoutMs, metadata);
      path = candidate;
      break;
    } catch (err) {
      if ((err as ServiceError).code !== status.UNIMPLEMENTED) {
        throw new CommbenchError(
          'E_RUN_FAILED',
          `gRPC reflection failed: ${(err as Error).message}; ${unavailableHint}`,
          {
            hint: unavailableHint,
          },
        );
      }
    }
  }
  if (!path || !first) {
    throw new CommbenchError('E_USAGE', `no request.proto, and ${unavailableHint}`, {
      hint: unavailableHint,
    });
  }
  if (first.errorResponse) {
    const list = await ask(client, path, { listServices: '*' }, timeoutMs, metadata).catch(() => undefined);
    const names = list?.listServicesResponse?.service?.map((s) => s.name).filter((n) => n !== undefined);
    const hint = names?.length ? `services: ${names.join(', ')}` : 'check request.call';
    throw new CommbenchError(
      'E_USAGE',
      `request.call ${call}: the server knows no service ${serviceName} (${first.errorResponse.errorMessage ?? 'not found'}); ${hint}`,
      { hint },
    );
  }
  const files = new Map<string, protobuf.Message & { name?: string; dependency?: string[] }>();
  const add = (r: ReflectionResponse): void => {
    for (const bytes of r.fileDescriptorResponse?.fileDescriptorProto ?? []) {
      const file = descriptor.FileDescriptorProto.decode(Uint8Array.from(bytes)) as protobuf.Message & {
        name?: string;
        dependency?: string[];
      };
      files.set(file.name ?? `#${files.size}`, file);
    }
  };
  add(first);
  for (let guard = 0; guard < 100; guard++) {
    const missing = [...files.values()].flatMap((f) => f.dependency ?? []).find((d) => !files.has(d));
    if (missing === undefined) break;
    add(await ask(client, path, { fileByFilename: missing }, timeoutMs, metadata));
    if (!files.has(missing))
      files.set(missing, descriptor.FileDescriptorProto.create({ name: missing }) as never);
  }
  const root = (protobuf.Root as unknown as { fromDescriptor(set: object): protobuf.Root }).fromDescriptor(
    descriptor.FileDescriptorSet.create({ file: [...files.values()] }),
  );
  return findMethod(root, call, "the server's reflection");
}
