import { recordsEqual, type EchoRecord } from '../message.js';
import { OpError, type ClientContext, type PatternClient } from './contract.js';

/** An operation a client is waiting on; `deadline` is a `performance.now()` time in ms. */
export interface PendingOp {
  readonly deadline: number;
  /** Set once the op has resolved, rejected or timed out; a settled op is never settled again. */
  settled: boolean;
  reject(err: OpError): void;
}

/**
 * FIFO of a connection's outstanding operations in send order (= deadline order, since every op
 * of a client has the same timeout), with one lazily re-armed timer for all of them: the cost per
 * op is a push and a shift, not a timer. An op that times out is rejected with OpError('timeout')
 * but stays in the queue until `shift()` (in-order protocols still have to consume its response).
 */
export class PendingQueue<T extends PendingOp> {
  private items: (T | undefined)[] = [];
  private head = 0;
  /** Index of the first op the sweeper has not yet expired or passed. */
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  push(op: T): void {
    this.items.push(op);
    if (this.timer === undefined) this.arm(this.timeoutMs);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const op = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.cursor = Math.max(0, this.cursor - this.head);
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.cursor = Math.max(0, this.cursor - this.head);
      this.head = 0;
    }
    return op;
  }

  /** Drops settled ops from the head (for protocols that match responses themselves). */
  dropSettled(): void {
    while (this.head < this.items.length && this.items[this.head]?.settled) this.shift();
  }

  /** Rejects every unsettled op with `err` and empties the queue; stops the timer. */
  failAll(err: OpError): void {
    this.stop();
    const ops = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.cursor = 0;
    for (const op of ops) {
      if (op && !op.settled) {
        op.settled = true;
        op.reject(err);
      }
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.sweep, Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = performance.now();
    let i = Math.max(this.cursor, this.head);
    for (; i < this.items.length; i++) {
      const op = this.items[i] as T;
      if (op.settled) continue;
      if (op.deadline > now) break;
      op.settled = true;
      op.reject(new OpError('timeout', `no answer within ${this.timeoutMs} ms`));
    }
    this.cursor = i;
    this.stop();
    const next = this.items[i];
    if (next !== undefined) this.arm(next.deadline - now);
  };
}

/** Why the echo `echo` (`what`: 'echo', 'ack') is not the answer to `msg`; undefined when it is. */
export function recordProblem(
  echo: Partial<EchoRecord>,
  msg: EchoRecord,
  verify: boolean,
  what = 'echo',
): OpError | undefined {
  if (echo.seq !== msg.seq) return new OpError('mismatch', `${what} seq ${echo.seq} != ${msg.seq}`);
  if (verify && !recordsEqual(echo, msg)) {
    return new OpError('mismatch', `${what} of seq ${msg.seq} differs from the request`);
  }
  return undefined;
}

/** recordProblem of a JSON text; a text that is not JSON is a 'protocol' problem. */
export function jsonEchoProblem(
  json: string,
  msg: EchoRecord,
  verify: boolean,
  what = 'echo',
): OpError | undefined {
  let echo: Partial<EchoRecord>;
  try {
    echo = JSON.parse(json) as Partial<EchoRecord>;
  } catch (err) {
    return new OpError('protocol', `${what} is not JSON: ${(err as Error).message}`);
  }
  return recordProblem(echo, msg, verify, what);
}

/** An InOrderClient's operation: the record, its request as encoded, and the promise's callbacks. */
export interface InOrderOp<W> extends PendingOp {
  readonly msg: EchoRecord;
  readonly request: W;
  readonly verify: boolean;
  resolve(): void;
}

/** What an InOrderClient needs of its protocol; `W` is a request or an answer (a frame, a text). */
export interface InOrderWire<W> {
  encode(msg: EchoRecord): W;
  /** Writes one encoded request to the socket. */
  write(request: W): void;
  /** Why `answer` is not the answer to `op`; undefined when it is. */
  check(op: InOrderOp<W>, answer: W): OpError | undefined;
  /** Payload bytes of a request or an answer (what `ctx.payload` counts). */
  bytes(data: W): number;
  /** Ends the socket at once (on the connection's first failure). */
  destroy(): void;
}

/**
 * The PatternClient of a socket whose answers come back in send order (tcp, WebSocket): each
 * `answer` settles the oldest outstanding op (one that timed out just consumes its answer); an
 * answer with nothing outstanding fails the connection ('protocol'). The first failure (`fail`:
 * socket error or close, a protocol error, `close()`) rejects every outstanding op and every later
 * send with that error and destroys the socket. Per send: the op and its promise, no timer.
 */
export class InOrderClient<W> implements PatternClient {
  private readonly pending: PendingQueue<InOrderOp<W>>;
  private failure: OpError | undefined;

  constructor(
    private readonly ctx: Pick<ClientContext<unknown>, 'timeoutMs' | 'payload'>,
    private readonly wire: InOrderWire<W>,
    /** Resolves once the socket has closed (what `close()` waits for). */
    private readonly closed: Promise<void>,
  ) {
    this.pending = new PendingQueue<InOrderOp<W>>(ctx.timeoutMs);
  }

  send(msg: EchoRecord, verify: boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      const op: InOrderOp<W> = {
        msg,
        request: this.wire.encode(msg),
        verify,
        deadline: performance.now() + this.ctx.timeoutMs,
        settled: false,
        resolve,
        reject,
      };
      this.pending.push(op);
      this.wire.write(op.request);
    });
  }

  answer(answer: W): void {
    const op = this.pending.shift();
    if (op === undefined)
      return this.fail(new OpError('protocol', 'an answer arrived with nothing outstanding'));
    if (op.settled) return;
    op.settled = true;
    const err = this.wire.check(op, answer);
    if (err) return op.reject(err);
    this.ctx.payload.add(this.wire.bytes(op.request), this.wire.bytes(answer));
    op.resolve();
  }

  readonly fail = (err: OpError): void => {
    this.failure ??= err;
    this.pending.failAll(this.failure);
    this.wire.destroy();
  };

  close(): Promise<void> {
    this.fail(new OpError('connection', 'client closed'));
    return this.closed;
  }
}
