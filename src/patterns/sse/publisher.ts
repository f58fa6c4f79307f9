import { connectJsonClient } from '../../toolkit/json-client.js';
import { echoExpect, statusError } from '../../toolkit/request/http.js';
import { OpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';

const headers = { 'content-type': 'application/json' };

/** The ack a push server answers an accepted publish with: `{"seq":N}`. */
export function ackOf(seq: number): string {
  return `{"seq":${seq}}`;
}

/**
 * The publisher of the HTTP push patterns (sse, poll): `POST <path>` with the record's JSON, on one
 * keep-alive undici Client (pipelining = inFlight); send resolves on the server's `{"seq":N}` ack.
 */
export function connectHttpPublisher(ctx: ClientContext, path: string): PatternClient {
  return connectJsonClient(ctx, {
    path,
    headers,
    body: (msg) => JSON.stringify(msg),
    check(status, body, msg, _verify, _sent, received) {
      if (status !== 200) return statusError(status, `POST ${path}`, echoExpect, received['retry-after']);
      let ack: { seq?: unknown };
      try {
        ack = JSON.parse(body.toString()) as { seq?: unknown };
      } catch (err) {
        return new OpError('protocol', `ack is not JSON: ${(err as Error).message}`);
      }
      if (ack.seq !== msg.seq) return new OpError('mismatch', `ack seq ${String(ack.seq)} != ${msg.seq}`);
      return undefined;
    },
  });
}

/** The publisher of sse and poll: `POST /publish`, which the server fans out to its subscribers. */
export function connectPublisher(ctx: ClientContext): Promise<PatternClient> {
  return Promise.resolve(connectHttpPublisher(ctx, '/publish'));
}
