import type { ZodType } from 'zod';
import type { PatternCode } from './contract.js';

/**
 * `lazy(() => import('./server.js'), 'startServer')`: a function that imports the module on its
 * first call and calls its export `name` with the same arguments. `requestPattern` and `pushPattern`
 * build a pattern's code from these, so loading its index.ts stays cheap (no protocol library) and
 * `commbench run rest-vs-graphql` never loads amqplib (docs/architecture.md, Conventions: lazy patterns). `load` must be an `import()` of a literal path so bundlers and
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
 * `startServer`, `client.ts` exports `connect`; each is imported on first use.
 * `export default requestPattern(tcpOptions, () => import('./server.js'), () => import('./client.js'));`
 */
export function requestPattern<O>(
  options: ZodType<O>,
  server: () => Promise<ServerModule<O>>,
  client: () => Promise<ClientModule<O>>,
): PatternCode<O> {
  return { options, startServer: lazy(server, 'startServer'), connect: lazy(client, 'connect') };
}

/**
 * A push or queue pattern's code: as `requestPattern`, and `client.ts` exports `subscribe` too.
 * Deliveries per message follow the options' `mode` unless given (see `deliveriesOfMode`).
 */
export function pushPattern<O>(
  options: ZodType<O>,
  server: () => Promise<ServerModule<O>>,
  client: () => Promise<PushClientModule<O>>,
  deliveriesPerMessage: (options: O, subscribers: number) => number = deliveriesOfMode,
): PatternCode<O> & Required<Pick<PatternCode<O>, 'subscribe' | 'deliveriesPerMessage'>> {
  return {
    options,
    startServer: lazy(server, 'startServer'),
    connect: lazy(client, 'connect'),
    subscribe: lazy(client, 'subscribe'),
    deliveriesPerMessage,
  };
}

/**
 * Deliveries one published message makes with `subscribers` subscribers, by the options' `mode`:
 * `work-queue` delivers it to one of them; `rpc` and `echo` are request/response (none: no
 * subscriber is opened); any other mode, or none, fans out to every subscriber.
 */
export function deliveriesOfMode(options: unknown, subscribers: number): number {
  const mode = (options as { mode?: unknown } | undefined)?.mode;
  return mode === 'rpc' || mode === 'echo' ? 0 : mode === 'work-queue' ? 1 : subscribers;
}
