/**
 * The contract suite's per-pattern facts for the claim patterns of issue 23 (failure-isolation,
 * http-cache): payload sizes, wire overhead, faulty servers and option variants, spread into
 * contract.ts, faults.ts and patterns.test.ts. failure-isolation's client is rest's lean client on
 * /checkout or /image, so its facts are rest's; the faulty server answers every path. http-cache
 * reads one product instead of echoing (a cached answer cannot carry the caller's seq): the echo
 * contract does not apply, test/claims/http-cache.test.ts checks it against nginx.
 */
import { jsonSize, type EchoRecord } from '../../src/message.js';
import { jsonBody, listenHttp } from './fault-servers.js';

type Options = Record<string, unknown>;
type Mutate = (record: EchoRecord) => EchoRecord;
type Names = 'failure-isolation' | 'http-cache';

export const isolationPayloadSize: Record<Names, (r: EchoRecord, options: Options) => [number, number]> = {
  'failure-isolation': (r) => [jsonSize(r), jsonSize(r)],
  'http-cache': () => [0, 0],
};

/** Patterns patterns.test.ts leaves out of the echo contract. */
export const isolationNotEcho: ReadonlySet<string> = new Set<Names>(['http-cache']);

export const isolationOverheadPerOp: Record<Names, [number, number]> = {
  'failure-isolation': [100, 600],
  'http-cache': [100, 600],
};

/** Every layout and called component, without the leak (its crash is tested in test/claims/failure-isolation.test.ts). */
export const isolationVariants: Partial<Record<Names, Options[]>> = {
  'failure-isolation': [{ layout: 'services' }, { layout: 'services', call: 'image' }, { call: 'image' }],
};

export const isolationFaultyServers: Record<
  Names,
  (mutate: Mutate, options: Options) => Promise<{ readonly url: string; stop(): Promise<void> }>
> = {
  'failure-isolation': (mutate) =>
    listenHttp((req, res) => {
      void jsonBody<EchoRecord>(req).then((record) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(mutate(record)));
      });
    }),
  'http-cache': () =>
    Promise.reject(new Error('http-cache does not echo: test/claims/http-cache.test.ts checks it')),
};
