import { recordsEqual, type EchoRecord } from '../../message.js';
import { OpError } from '../contract.js';

/** The record a message's body carries (its JSON), or undefined when the body is not JSON. */
export function parseRecord(text: string): Partial<EchoRecord> | undefined {
  try {
    return JSON.parse(text) as Partial<EchoRecord>;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with `reply` (the JSON text of an rpc reply over a broker) as the echo of `msg`:
 * not JSON, another seq, or with `verify` another record; undefined when it is the echo.
 */
export function replyProblem(reply: string, msg: EchoRecord, verify: boolean): OpError | undefined {
  let echo: Partial<EchoRecord>;
  try {
    echo = JSON.parse(reply) as Partial<EchoRecord>;
  } catch (err) {
    return new OpError('protocol', `reply is not JSON: ${(err as Error).message}`);
  }
  if (echo.seq !== msg.seq) return new OpError('mismatch', `reply seq ${echo.seq} != ${msg.seq}`);
  if (verify && !recordsEqual(echo, msg))
    return new OpError('mismatch', `reply to seq ${msg.seq} differs from the request`);
  return undefined;
}
