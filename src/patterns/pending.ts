import { OpError } from './types.js';

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
