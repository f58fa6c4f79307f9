/**
 * `lazy(() => import('./server.js'), 'startTcpServer')`: a function that imports the module on its
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
