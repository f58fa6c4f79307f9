import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingQueue, type PendingOp } from './pending.js';
import { encodeFrame, FrameReader, maxFrameBytes } from '../patterns/tcp/framing.js';
import type { OpError } from './contract.js';

function op(deadline: number, failures: OpError[]): PendingOp {
  return { deadline, settled: false, reject: (err) => failures.push(err) };
}

describe('PendingQueue', () => {
  it('keeps FIFO order and compacts without losing ops', () => {
    const q = new PendingQueue<PendingOp & { n: number }>(60_000);
    for (let n = 0; n < 5000; n++) q.push({ ...op(performance.now() + 60_000, []), n });
    for (let n = 0; n < 5000; n++) assert.equal(q.shift()?.n, n);
    assert.equal(q.size, 0);
    q.stop();
  });

  it('expires only overdue unsettled ops, once, and keeps them queued', async () => {
    const failures: OpError[] = [];
    const q = new PendingQueue<PendingOp>(30);
    const now = performance.now();
    const late = op(now + 30, failures);
    const done = op(now + 30, failures);
    done.settled = true;
    const later = op(now + 200, failures);
    q.push(late);
    q.push(done);
    q.push(later);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(
      failures.map((e) => e.kind),
      ['timeout'],
    );
    assert.equal(late.settled, true);
    assert.equal(later.settled, false);
    assert.equal(q.size, 3, 'expired ops wait for their response to be consumed');
    q.failAll(failures[0] as OpError);
    assert.equal(failures.length, 2, 'failAll rejects only the unsettled op');
    assert.equal(q.size, 0);
  });

  it('dropSettled pops settled ops from the head only', () => {
    const q = new PendingQueue<PendingOp>(60_000);
    const ops = [0, 1, 2].map(() => op(performance.now() + 60_000, []));
    for (const o of ops) q.push(o);
    (ops[0] as PendingOp).settled = true;
    (ops[2] as PendingOp).settled = true;
    q.dropSettled();
    assert.equal(q.size, 2);
    assert.equal(q.peek(), ops[1]);
    q.stop();
  });
});

describe('FrameReader', () => {
  it('reassembles frames split at every byte and batched in one chunk', () => {
    const frames = ['{"a":1}', 'x'.repeat(70_000), ''].map(encodeFrame);
    const stream = Buffer.concat(frames);
    for (const step of [1, 3, 4, 5, 1000, stream.length]) {
      const seen: Buffer[] = [];
      const reader = new FrameReader((f) => seen.push(Buffer.from(f)));
      for (let i = 0; i < stream.length; i += step) reader.push(stream.subarray(i, i + step));
      assert.deepEqual(seen, frames, `chunks of ${step} B`);
    }
  });

  it('refuses an absurd frame length', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(maxFrameBytes + 1);
    assert.throws(() => new FrameReader(() => undefined).push(header), RangeError);
  });
});
