import { recordsEqual, type EchoRecord } from '../../message.js';
import { echoExpect, statusError } from '../../toolkit/request/http.js';
import { OpError } from '../../toolkit/contract.js';

/**
 * Checks the answer of commbench's own JSON echo servers to `msg`: status 200 (else the problem
 * names `request`, e.g. "POST /echo", built once per connection), a JSON body with the request's
 * seq and, with `verify`, every field equal. Undefined when it is the echo.
 */
export function jsonEchoProblem(
  status: number,
  body: Buffer,
  msg: EchoRecord,
  verify: boolean,
  request: string,
  retryAfter?: string | readonly string[],
): OpError | undefined {
  if (status !== 200) return statusError(status, request, echoExpect, retryAfter);
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
}
