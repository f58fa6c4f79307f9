import { recordsEqual, type EchoRecord } from '../../message.js';
import { connectJsonClient } from '../json-client.js';
import { OpError, type ClientContext, type PatternClient } from '../types.js';
import type { RestOptions } from './index.js';

const headers = { 'content-type': 'application/json' };

/** POST ctx.options.path with the record as JSON; the echo must come back with status 200. */
export function connectRest(ctx: ClientContext<RestOptions>): Promise<PatternClient> {
  return Promise.resolve(
    connectJsonClient(ctx, {
      path: ctx.options.path,
      headers,
      body: (msg) => JSON.stringify(msg),
      check(status, body, msg, verify) {
        if (status !== 200) return new OpError('protocol', `HTTP status ${status}`);
        let echo: EchoRecord;
        try {
          echo = JSON.parse(body.toString()) as EchoRecord;
        } catch (err) {
          return new OpError('protocol', `response is not JSON: ${(err as Error).message}`);
        }
        if (echo.seq !== msg.seq) return new OpError('mismatch', `echo seq ${echo.seq} != ${msg.seq}`);
        if (verify && !recordsEqual(echo, msg)) {
          return new OpError('mismatch', `echo of seq ${msg.seq} differs from the request`);
        }
        return undefined;
      },
    }),
  );
}
