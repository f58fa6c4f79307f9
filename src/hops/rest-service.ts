import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { ServiceDelay } from '../toolkit/delay.js';
import type { RunningServer } from '../toolkit/contract.js';
import { OutageClock } from './fail.js';
import type { HopConfig } from './process.js';
import { childTraceparent, parseTraceparent, traceparentHeader, traceresponseHeader } from './trace.js';
import { readJsonBody, serveHttp } from '../toolkit/net-util.js';

export type ServiceConfig = Extract<HopConfig, { kind: 'service' }>;

/** Path of every service of a chain. */
export const servicePath = '/echo';

/**
 * One service of a call chain over HTTP/1.1 + JSON: `POST /echo` is parsed like the rest echo
 * server does; the last service answers the echo, every other one sends the record on to `next`
 * (undici Pool, keep-alive) and answers with what came back, parsed and serialized again: the work
 * of a thin service that calls another. With `traceContext`, a missing or malformed `traceparent`
 * is a 400, a child traceparent goes onward, and the last service answers `traceresponse`.
 * A failing downstream is a 502 to the caller. `delayMs` is added by every service. During an
 * `outage` (failHop) every request is answered 503 at once, as by a service that is down.
 */
export async function startRestService(config: ServiceConfig): Promise<RunningServer> {
  const delay = new ServiceDelay(config.delayMs);
  const outage = new OutageClock(config.outage);
  const next = config.next ? new Pool(config.next, { keepAliveTimeout: 60_000, pipelining: 1 }) : undefined;

  const fail = (res: ServerResponse, status: number): void => {
    if (!res.headersSent) res.writeHead(status, { 'content-length': '0' }).end();
  };
  const answer = (res: ServerResponse, body: string, traceresponse: string | undefined): void => {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    if (traceresponse !== undefined) headers[traceresponseHeader] = traceresponse;
    delay.run(() => res.writeHead(200, headers).end(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST' || req.url !== servicePath) {
      req.resume();
      return fail(res, 404);
    }
    outage.touch();
    if (outage.down) {
      req.resume();
      return fail(res, 503);
    }
    readJsonBody(req, (body) => {
      if (body === undefined) return fail(res, 400);
      let traceparent: string | undefined;
      if (config.traceContext) {
        const parent = parseTraceparent(req.headers[traceparentHeader]);
        if (!parent) return fail(res, 400);
        traceparent = childTraceparent(parent);
      }
      if (!next) return answer(res, body, traceparent);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (traceparent !== undefined) headers[traceparentHeader] = traceparent;
      next.request({ path: servicePath, method: 'POST', headers, body }).then(
        async (down) => {
          const text = await down.body.text();
          if (down.statusCode !== 200) return fail(res, 502);
          let echo: string;
          try {
            echo = JSON.stringify(JSON.parse(text));
          } catch {
            return fail(res, 502);
          }
          const tr = down.headers[traceresponseHeader];
          answer(res, echo, typeof tr === 'string' ? tr : undefined);
        },
        () => fail(res, 502),
      );
    });
  };

  return serveHttp(config, handle, () => {
    delay.cancelAll();
    outage.cancel();
    void next?.destroy();
  });
}
