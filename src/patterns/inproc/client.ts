import type { Socket } from 'node:net';
import type { EchoRecord } from '../../message.js';
import { ServiceDelay } from '../../toolkit/delay.js';
import { echoCodec } from '../grpc/proto.js';
import { connectSocket } from '../../toolkit/net-util.js';
import { PendingQueue, recordProblem, type PendingOp } from '../../toolkit/pending.js';
import { OpError, type ClientContext, type PatternClient } from '../../toolkit/contract.js';
import type { InprocOptions } from './index.js';
import type { InprocSettings } from './server.js';

/** The rest echo server's handler as a function: the request body parsed, the answer serialized. */
export function echoHandler(body: string): string {
  return JSON.stringify(JSON.parse(body));
}

/** The handler with `serialize: none`: the record passed and returned by reference. */
export function echoRecord(record: EchoRecord): EchoRecord {
  return record;
}

/**
 * Handlers that mutate the echo, by placeholder URL (url.href): the contract suite's faulty
 * servers register one to check the client's echo checks. Empty in normal runs.
 */
export const handlerOverrides = new Map<string, (record: EchoRecord) => EchoRecord>();

interface InprocOp extends PendingOp {
  settle(): void;
}

/** Connects to the placeholder, reads the handler settings and keeps the connection as the monolith's liveness. */
async function fetchSettings(
  ctx: ClientContext<InprocOptions>,
): Promise<{ socket: Socket; settings: InprocSettings }> {
  const { socket, head } = await connectSocket(ctx.url, ctx.timeoutMs, `answer from ${ctx.url.host}`, {
    opening: { end: '\n' },
  });
  try {
    return { socket, settings: JSON.parse(head.toString()) as InprocSettings };
  } catch (err) {
    socket.destroy();
    throw new OpError('protocol', `not an inproc placeholder: ${(err as Error).message}`);
  }
}

export async function connect(ctx: ClientContext<InprocOptions>): Promise<PatternClient> {
  const { socket, settings } = await fetchSettings(ctx);
  const override = handlerOverrides.get(ctx.url.href);
  const handler = override
    ? (body: string) => JSON.stringify(override(JSON.parse(body) as EchoRecord))
    : echoHandler;
  const callRecord = override ?? echoRecord;
  const json = ctx.options.serialize === 'json';
  const proto = ctx.options.serialize === 'protobuf' ? echoCodec() : undefined;
  const delay = new ServiceDelay(settings.delayMs);
  const pending = new PendingQueue<InprocOp>(ctx.timeoutMs);
  let down: OpError | undefined;
  const shutDown = (err: OpError): void => {
    if (down) return;
    down = err;
    delay.cancelAll();
    pending.failAll(err);
    socket.destroy();
  };
  socket.on('error', () => {});
  socket.on('close', () => shutDown(new OpError('connection', 'the inproc placeholder process went away')));

  /** One call: the request through the handler and the echo checked; a problem or undefined. */
  const call = (msg: EchoRecord, verify: boolean): OpError | undefined => {
    let echo: EchoRecord;
    let requestBytes = 0;
    let responseBytes = 0;
    if (json) {
      const request = JSON.stringify(msg);
      const response = handler(request);
      echo = JSON.parse(response) as EchoRecord;
      requestBytes = Buffer.byteLength(request);
      responseBytes = Buffer.byteLength(response);
    } else if (proto) {
      const request = proto.encode(msg);
      const response = proto.encode(callRecord(proto.decode(request) as EchoRecord));
      echo = proto.decode(response) as EchoRecord;
      requestBytes = request.length;
      responseBytes = response.length;
    } else {
      echo = callRecord(msg);
    }
    const problem = recordProblem(echo, msg, verify);
    if (!problem) ctx.payload.add(requestBytes, responseBytes);
    return problem;
  };

  return {
    send(msg, verify) {
      if (down) return Promise.reject(down);
      if (delay.ms <= 0) {
        const problem = call(msg, verify);
        return problem ? Promise.reject(problem) : Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const op: InprocOp = {
          deadline: performance.now() + ctx.timeoutMs,
          settled: false,
          reject,
          settle() {
            if (op.settled) return;
            op.settled = true;
            pending.dropSettled();
            const problem = call(msg, verify);
            if (problem) reject(problem);
            else resolve();
          },
        };
        pending.push(op);
        delay.run(() => op.settle());
      });
    },
    close() {
      shutDown(new OpError('connection', 'client closed'));
      return Promise.resolve();
    },
  };
}
