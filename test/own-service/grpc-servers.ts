/**
 * gRPC services of their own, built with @grpc/grpc-js and @grpc/proto-loader from protos in
 * test/own-service/protos (not commbench's echo.proto); each counts the calls it accepted.
 */
import { join } from 'node:path';
import {
  loadPackageDefinition,
  Server,
  ServerCredentials,
  status,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServerReadableStream,
  type ServerDuplexStream,
  type sendUnaryData,
  type Metadata,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export const protos = join(import.meta.dirname, 'protos');
export const helloProto = join(protos, 'hello.proto');
export const layoutRoot = join(protos, 'layout');
export const ordersProto = join(layoutRoot, 'shop/v1/orders.proto');

/** @grpc/reflection (a devDependency), imported by name so the other tests run without it. */
const reflectionPackage = '@grpc/reflection';
interface ReflectionModule {
  ReflectionService: new (definition: object) => { addToServer(server: Server): void };
}

/** Whether @grpc/reflection can be loaded (else the reflection tests skip, or fail under CI). */
export async function reflectionAvailable(): Promise<boolean> {
  try {
    await import(reflectionPackage);
    return true;
  } catch {
    return false;
  }
}

export interface CountedGrpc {
  readonly url: string;
  /** Calls accepted (answered OK). */
  accepted: number;
  refused: Record<string, number>;
  close(): Promise<void>;
}

interface HelloRequest {
  name: string;
  times: number;
}

async function listen(server: Server, tls?: { cert: string; key: string }): Promise<number> {
  const creds = tls
    ? ServerCredentials.createSsl(null, [
        { cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) },
      ])
    : ServerCredentials.createInsecure();
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, port) => (err ? reject(err) : resolve(port))),
  );
}

/**
 * helloworld.Greeter: every call needs metadata `x-token: abc` (else UNAUTHENTICATED) and a
 * non-empty name (else INVALID_ARGUMENT). SayHellos streams `times` (default 3) replies;
 * CountHellos and Chat take a stream. `reflection`: also serves grpc.reflection v1/v1alpha.
 */
export async function startGreeter(
  opts: { reflection?: boolean; tls?: { cert: string; key: string } } = {},
): Promise<CountedGrpc> {
  const definition = loadSync(helloProto, { keepCase: true, defaults: true });
  const pkg = loadPackageDefinition(definition).helloworld as GrpcObject;
  const Greeter = pkg.Greeter as ServiceClientConstructor;
  const counted: CountedGrpc = { url: '', accepted: 0, refused: {}, close: () => Promise.resolve() };
  const refuse = (reason: string): void => {
    counted.refused[reason] = (counted.refused[reason] ?? 0) + 1;
  };
  const check = (metadata: Metadata, req?: HelloRequest): { code: number; details: string } | undefined => {
    if (metadata.get('x-token')[0] !== 'abc') {
      refuse('token');
      return { code: status.UNAUTHENTICATED, details: 'x-token required' };
    }
    if (req && !req.name) {
      refuse('name');
      return { code: status.INVALID_ARGUMENT, details: 'name required' };
    }
    return undefined;
  };
  const server = new Server();
  server.addService(Greeter.service, {
    SayHello(call: ServerUnaryCall<HelloRequest, unknown>, cb: sendUnaryData<unknown>) {
      const bad = check(call.metadata, call.request);
      if (bad) return cb(bad);
      counted.accepted++;
      cb(null, { message: `Hello ${call.request.name}` });
    },
    SayHellos(call: ServerWritableStream<HelloRequest, unknown>) {
      const bad = check(call.metadata, call.request);
      if (bad) return call.emit('error', bad);
      for (let i = 0; i < (call.request.times || 3); i++)
        call.write({ message: `Hello ${call.request.name} ${i}` });
      counted.accepted++;
      call.end();
    },
    CountHellos(call: ServerReadableStream<HelloRequest, unknown>, cb: sendUnaryData<unknown>) {
      const bad = check(call.metadata);
      let n = 0;
      call.on('data', () => n++);
      call.on('end', () => {
        if (bad) return cb(bad);
        counted.accepted++;
        cb(null, { message: `${n} hellos` });
      });
    },
    Chat(call: ServerDuplexStream<HelloRequest, unknown>) {
      const bad = check(call.metadata);
      if (bad) return call.emit('error', bad);
      call.on('data', (r: HelloRequest) => call.write({ message: `Hi ${r.name}` }));
      call.on('end', () => {
        counted.accepted++;
        call.end();
      });
    },
  });
  if (opts.reflection) {
    const { ReflectionService } = (await import(reflectionPackage)) as ReflectionModule;
    new ReflectionService(definition).addToServer(server);
  }
  const port = await listen(server, opts.tls);
  return Object.assign(counted, {
    url: `${opts.tls ? 'grpcs' : 'grpc'}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => server.tryShutdown(() => resolve())).then(() => server.forceShutdown()),
  });
}

/** shop.v1.Orders from a proto tree with imports (common/v1/money.proto, google/protobuf/timestamp.proto). */
export async function startOrdersGrpc(): Promise<CountedGrpc> {
  const definition = loadSync(ordersProto, {
    includeDirs: [layoutRoot],
    keepCase: true,
    defaults: true,
    longs: Number,
  });
  const Orders = ((loadPackageDefinition(definition).shop as GrpcObject).v1 as GrpcObject)
    .Orders as ServiceClientConstructor;
  const counted: CountedGrpc = { url: '', accepted: 0, refused: {}, close: () => Promise.resolve() };
  const server = new Server();
  let next = 1;
  server.addService(Orders.service, {
    PlaceOrder(
      call: ServerUnaryCall<
        { sku: string; price?: { currency_code: string; units: number } | null },
        unknown
      >,
      cb: sendUnaryData<unknown>,
    ) {
      const { sku, price } = call.request;
      if (!sku || !price || price.currency_code.length !== 3 || !(price.units > 0)) {
        counted.refused.order = (counted.refused.order ?? 0) + 1;
        return cb({
          code: status.INVALID_ARGUMENT,
          details: 'sku and price (currency_code, units > 0) required',
        });
      }
      counted.accepted++;
      cb(null, { order_id: `o-${next++}`, placed_at: { seconds: Math.floor(Date.now() / 1000), nanos: 0 } });
    },
  });
  const port = await listen(server);
  return Object.assign(counted, {
    url: `grpc://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => server.tryShutdown(() => resolve())).then(() => server.forceShutdown()),
  });
}
