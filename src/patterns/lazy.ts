import type { ZodType } from 'zod';
import type { PatternCode } from './types.js';

/**
 * `lazy(() => import('./server.js'), 'startServer')`: a function that imports the module on its
 * first call and calls its export `name` with the same arguments. A pattern's index.ts holds only
 * these, so loading it stays cheap (no protocol library) and `commbench run rest-vs-graphql` never
 * loads amqplib (STYLE.md rule 3). `load` must be an `import()` of a literal path so bundlers and
 * readers see the dependency.
 */
export function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): AsyncExport<M[K]> {
  const call = async (...args: unknown[]): Promise<unknown> => {
    const fn = (await load())[name] as (...a: unknown[]) => unknown;
    return fn(...args);
  };
  return call as AsyncExport<M[K]>;
}

/** The export's own signature when it returns a promise; `never` (a type error at the use) otherwise. */
type AsyncExport<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<R> : never;

/** What a pattern's server.ts exports (it runs in the server child process). */
type ServerModule<O> = Pick<PatternCode<O>, 'startServer'>;
/** What a request/response pattern's client.ts exports (it runs in the driver). */
type ClientModule<O> = Pick<PatternCode<O>, 'connect'>;
/** What a push or queue pattern's client.ts exports: the publisher and the subscriber. */
type PushClientModule<O> = Required<Pick<PatternCode<O>, 'connect' | 'subscribe'>>;

/**
 * A request/response pattern's code, by its folder's convention: `server.ts` exports
 * `startServer`, `client.ts` exports `connect`; both are imported on first use.
 * `export default patternCode(tcpOptions, () => import('./server.js'), () => import('./client.js'));`
 */
export function patternCode<O>(
  options: ZodType<O>,
  server: () => Promise<ServerModule<O>>,
  client: () => Promise<ClientModule<O>>,
): PatternCode<O> {
  return { options, startServer: lazy(server, 'startServer'), connect: lazy(client, 'connect') };
}

/**
 * A push or queue pattern's code: as `patternCode`, and `client.ts` exports `subscribe` too.
 * `deliveriesPerMessage` as in `PatternCode` (absent: every subscriber gets every message).
 */
export function pushPatternCode<O>(
  options: ZodType<O>,
  server: () => Promise<ServerModule<O>>,
  client: () => Promise<PushClientModule<O>>,
  deliveriesPerMessage?: PatternCode<O>['deliveriesPerMessage'],
): PatternCode<O> {
  return {
    options,
    startServer: lazy(server, 'startServer'),
    connect: lazy(client, 'connect'),
    subscribe: lazy(client, 'subscribe'),
    ...(deliveriesPerMessage ? { deliveriesPerMessage } : {}),
  };
}
