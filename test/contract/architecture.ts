/**
 * The contract suite's per-pattern facts for the architecture patterns (inproc, call-chain,
 * rest-proxy): payload sizes, wire overhead, faulty servers and option variants. contract.ts,
 * faults.ts and patterns.test.ts spread these into their tables.
 */
import { Metadata, Server, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { jsonSize, type EchoRecord } from '../../src/message.js';
import { echoCodec, type DecodedRecord } from '../../src/patterns/grpc/proto.js';
import { unaryService } from '../../src/patterns/call-chain/grpc-service.js';
import { traceparentHeader, traceresponseHeader } from '../../src/hops/trace.js';
import { handlerOverrides } from '../../src/patterns/inproc/client.js';
import { startServer as startInprocServer } from '../../src/patterns/inproc/server.js';
import { jsonBody, listenGrpc, listenHttp, toRecord } from './fault-servers.js';

type Options = Record<string, unknown>;
type Mutate = (record: EchoRecord) => EchoRecord;
interface FaultyServer {
  readonly url: string;
  stop(): Promise<void>;
}
type Names = 'inproc' | 'call-chain' | 'rest-proxy' | 'gateway' | 'mesh';

export const architecturePayloadSize: Record<Names, (r: EchoRecord, options: Options) => [number, number]> = {
  inproc: (r, options) => (options.serialize === 'none' ? [0, 0] : [jsonSize(r), jsonSize(r)]),
  'call-chain': (r, options) => {
    const size = options.via === 'grpc' ? echoCodec().encode(r).length : jsonSize(r);
    return [size, size];
  },
  'rest-proxy': (r) => [jsonSize(r), jsonSize(r)],
  gateway: (r) => [jsonSize(r), jsonSize(r)],
  mesh: (r) => [jsonSize(r), jsonSize(r)],
};

/**
 * Wire overhead per operation beyond the payload, bytes. inproc puts nothing on a socket per call:
 * its only bytes are the placeholder's settings line at connect, so wire minus payload is negative
 * and the check is that wire bytes per call stay under one byte (see noWirePerCall).
 */
export const architectureOverheadPerOp: Record<Names, [number, number]> = {
  inproc: [0, 1],
  'call-chain': [20, 600],
  'rest-proxy': [100, 600],
  gateway: [100, 700],
  mesh: [100, 600],
};

/** Patterns whose calls use no socket: the wire check compares wire bytes alone per op. */
export const noWirePerCall: ReadonlySet<string> = new Set<Names>(['inproc']);

export const architectureVariants: Record<Names, Options[]> = {
  inproc: [{ serialize: 'none' }],
  'call-chain': [
    { hops: 3 },
    { via: 'grpc' },
    { via: 'grpc', hops: 3 },
    { traceContext: true },
    { via: 'grpc', hops: 2, traceContext: true },
  ],
  'rest-proxy': [{ proxy: 'node' }, { proxies: 2 }, { proxy: 'node', proxies: 2 }],
  gateway: [
    { services: 3 },
    { route: 'direct', services: 2 },
    // TLS from the client is checked in test/claims/gateway-nginx.test.ts (the wire check sees plain sockets only).
    { auth: true, rateLimit: true, log: true },
    { hops: 2, concernsAt: 'every-hop', auth: true },
  ],
  mesh: [{ mtls: true }, { retries: 2 }],
};

async function inproc(mutate: Mutate, options: Options): Promise<FaultyServer> {
  const server = await startInprocServer({
    host: '127.0.0.1',
    port: 0,
    options: { serialize: options.serialize === 'none' ? 'none' : 'json' },
    delayMs: 0,
  });
  const key = new URL(server.url).href;
  handlerOverrides.set(key, mutate);
  return {
    url: server.url,
    async stop() {
      handlerOverrides.delete(key);
      await server.stop();
    },
  };
}

/** A rest service answering any path, echoing `traceparent` back as `traceresponse`. */
async function rest(mutate: Mutate): Promise<FaultyServer> {
  return listenHttp((req, res) => {
    void jsonBody(req).then((record) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const tp = req.headers[traceparentHeader];
      if (typeof tp === 'string') headers[traceresponseHeader] = tp;
      res.writeHead(200, headers).end(JSON.stringify(mutate(record)));
    });
  });
}

async function grpc(mutate: Mutate): Promise<FaultyServer> {
  const server = new Server();
  server.addService(unaryService(), {
    Unary: (call: ServerUnaryCall<DecodedRecord, DecodedRecord>, callback: sendUnaryData<DecodedRecord>) => {
      const tp = call.metadata.get(traceparentHeader)[0];
      if (tp !== undefined) {
        const md = new Metadata();
        md.set(traceresponseHeader, String(tp));
        call.sendMetadata(md);
      }
      callback(null, mutate(toRecord(call.request)));
    },
  });
  return listenGrpc(server);
}

export const architectureFaultyServers: Record<
  Names,
  (mutate: Mutate, options: Options) => Promise<FaultyServer>
> = {
  inproc,
  'call-chain': (mutate, options) => (options.via === 'grpc' ? grpc(mutate) : rest(mutate)),
  'rest-proxy': (mutate) => rest(mutate),
  // The gateway's client calls the endpoints its server names in the URL (`to`): here the one faulty service.
  gateway: async (mutate) => {
    const server = await rest(mutate);
    return { ...server, url: `${server.url}/?to=${encodeURIComponent(`${server.url}/echo`)}` };
  },
  mesh: (mutate) => rest(mutate),
};
