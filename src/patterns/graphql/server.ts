import { parse, validate, type DocumentNode, type GraphQLError } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { EchoRecord } from '../../message.js';
import { ServiceDelay } from '../../toolkit/delay.js';
import { serveHttp } from '../../toolkit/net-util.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { GraphqlOptions } from './index.js';
import { echoSchema } from './schema.js';

/** Most distinct query texts the document cache keeps (a benchmark sends one or two). */
const cacheLimit = 1000;

export async function startServer(ctx: ServerContext<GraphqlOptions>): Promise<RunningServer> {
  const delay = new ServiceDelay(ctx.delayMs);
  const schema = echoSchema(
    delay.ms > 0
      ? (input) => new Promise<EchoRecord>((resolve) => delay.run(() => resolve(input)))
      : (input) => input,
  );

  const cached: { parse?: typeof parse; validate?: typeof validate } = {};
  if (ctx.options.documentCache) {
    const documents = new Map<string, DocumentNode>();
    const valid = new WeakSet<DocumentNode>();
    cached.parse = (source, options) => {
      const key = typeof source === 'string' ? source : source.body;
      let document = documents.get(key);
      if (document === undefined) {
        document = parse(source, options);
        if (documents.size >= cacheLimit) documents.clear();
        documents.set(key, document);
      }
      return document;
    };
    // graphql-http passes a fresh copy of specifiedRules on every request (no validationRules are
    // configured here), so a document valid once against this schema stays valid.
    cached.validate = (s, document, rules, options, typeInfo): readonly GraphQLError[] => {
      if (s === schema && valid.has(document)) return [];
      const errors = validate(s, document, rules, options, typeInfo);
      if (errors.length === 0 && s === schema) valid.add(document);
      return errors;
    };
  }
  const graphqlHandler = createHandler({ schema, ...cached });
  const { path } = ctx.options;

  const handle = graphqlAt(path, graphqlHandler);

  return serveHttp(ctx, handle, () => delay.cancelAll());
}

/**
 * graphql-http's handler served at `path` only (query string ignored): other paths get 404, a
 * handler failure 500.
 */
export function graphqlAt(
  path: string,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    if ((query < 0 ? url : url.slice(0, query)) !== path) {
      req.resume();
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-length': '0' });
      res.end();
    });
  };
}
