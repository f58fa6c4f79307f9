import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHistogram } from '../metrics/histogram.js';
import { DeliveryTracker } from './deliveries.js';

describe('delivery tracking', () => {
  it('times every delivery from its publish, with fan-out skew, and completes messages', () => {
    const t = new DeliveryTracker(3, 3, false);
    t.publish(0, 0, 10, true);
    t.accepted(0);
    t.deliver(0, 0, 11, 100, undefined);
    t.deliver(0, 2, 12, 100, true);
    t.deliver(0, 1, 15, 100, undefined);
    const s = t.snapshot();
    assert.equal(s.published, 1);
    assert.equal(s.delivered, 3);
    assert.equal(s.lost, 0);
    assert.equal(s.bytes, 100);
    const latency = decodeHistogram(s.latency);
    assert.equal(latency.totalCount, 3);
    assert.equal(latency.minNonZeroValue, 1000);
    assert.ok(Math.abs(latency.maxValue - 5000) < 5);
    const skew = decodeHistogram(s.skew);
    assert.equal(skew.totalCount, 1);
    assert.ok(Math.abs(skew.maxValue - 4000) < 4);
  });

  it('counts duplicates per subscriber, also after a message completed', () => {
    const t = new DeliveryTracker(2, 2, false);
    t.publish(0, 0, 0, true);
    t.deliver(0, 0, 1, 0, undefined);
    t.deliver(0, 0, 2, 0, undefined); // same subscriber again
    t.deliver(0, 1, 3, 0, undefined);
    t.deliver(0, 1, 4, 0, undefined); // after completion
    assert.equal(t.delivered, 2);
    assert.equal(t.duplicated, 2);
  });

  it('work queue: one delivery per message, a second one is a duplicate', () => {
    const t = new DeliveryTracker(4, 1, false);
    t.publish(7, 0, 0, true);
    t.deliver(7, 2, 1, 0, undefined);
    t.deliver(7, 3, 2, 0, undefined);
    assert.equal(t.delivered, 1);
    assert.equal(t.duplicated, 1);
  });

  it('reports lost deliveries, out-of-order arrival and content mismatches', () => {
    const t = new DeliveryTracker(2, 2, false);
    for (const seq of [0, 1, 2]) t.publish(seq, 0, seq, true);
    t.deliver(1, 0, 5, 0, undefined);
    t.deliver(0, 0, 6, 0, false);
    t.deliver(2, 1, 7, 0, undefined);
    const s = t.snapshot();
    assert.equal(s.delivered, 3);
    assert.equal(s.lost, 3, 'seq 0 and 1 miss subscriber 1, seq 2 misses subscriber 0');
    assert.equal(s.outOfOrder, 1);
    assert.equal(s.mismatched, 1);
  });

  it('measures from the scheduled time for rate loads and ignores warm-up messages', () => {
    const t = new DeliveryTracker(1, 1, true);
    t.publish(0, 100, 150, false);
    t.deliver(0, 0, 151, 0, undefined);
    t.publish(1, 200, 250, true);
    t.deliver(1, 0, 251, 0, undefined);
    assert.equal(t.delivered, 1);
    const latency = decodeHistogram(t.snapshot().latency);
    assert.ok(Math.abs(latency.maxValue - 51_000) < 51, `${latency.maxValue}`);
  });

  it('jitter: how much inter-arrival differs from inter-publish at one subscriber', () => {
    const t = new DeliveryTracker(1, 1, false);
    t.publish(0, 0, 0, true);
    t.publish(1, 0, 10, true);
    t.deliver(0, 0, 1, 0, undefined);
    t.deliver(1, 0, 14, 0, undefined); // arrived 13 ms after the previous, published 10 ms after
    const jitter = decodeHistogram(t.snapshot().jitter);
    assert.equal(jitter.totalCount, 1);
    assert.ok(Math.abs(jitter.maxValue - 3000) < 3);
  });

  it('a publish whose acknowledgement timed out but which was delivered is unacked-delivered, not a duplicate', () => {
    const t = new DeliveryTracker(1, 1, false);
    t.publish(1, 0, 0, true);
    t.unpublish(1); // the ack timed out: the broker had taken it all the same
    t.deliver(1, 0, 5, 10, undefined);
    const s = t.snapshot();
    assert.equal(s.duplicated, 0, 'not a duplicate');
    assert.equal(s.unackedDelivered, 1);
    assert.equal(s.delivered, 0);
    assert.equal(s.published, 0);
    assert.equal(s.lost, 0);
  });

  it('a delivery before its publish failed is moved from delivered to unacked-delivered', () => {
    const t = new DeliveryTracker(1, 1, false);
    t.publish(1, 0, 0, true);
    t.deliver(1, 0, 5, 10, undefined);
    t.unpublish(1);
    t.deliver(1, 0, 6, 10, undefined); // redelivered: now a real duplicate
    const s = t.snapshot();
    assert.equal(s.delivered, 0, 'delivered ≤ published');
    assert.equal(s.unackedDelivered, 1);
    assert.equal(s.duplicated, 1);
  });

  it('a delivery after the freeze is late: neither delivered nor lost', () => {
    const t = new DeliveryTracker(1, 1, false);
    for (const seq of [1, 2]) {
      t.publish(seq, 0, 0, true);
      t.accepted(seq);
    }
    t.deliver(1, 0, 5, 0, undefined);
    t.frozen = true;
    t.deliver(2, 0, 9, 0, undefined);
    const s = t.snapshot();
    assert.equal(s.published, 2);
    assert.equal(
      s.delivered + (s.late ?? 0) + s.lost,
      s.published,
      'every expected delivery in one category',
    );
    assert.equal(s.delivered, 1);
    assert.equal(s.late, 1);
    assert.equal(s.lost, 0);
  });

  it('out of order compares seqs only within one publisher connection', () => {
    const t = new DeliveryTracker(1, 1, false, 2);
    t.publish(10, 0, 0, true, 0);
    t.publish(11, 0, 0, true, 1);
    t.publish(12, 0, 0, true, 0);
    t.deliver(11, 0, 1, 0, undefined); // publisher 1 first: no order across publishers
    t.deliver(10, 0, 2, 0, undefined);
    assert.equal(t.outOfOrder, 0, 'publisher 0 seq 10 after publisher 1 seq 11 is not out of order');
    t.deliver(12, 0, 3, 0, undefined);
    t.publish(13, 0, 0, true, 0);
    t.publish(14, 0, 0, true, 0);
    t.deliver(14, 0, 4, 0, undefined);
    t.deliver(13, 0, 5, 0, undefined); // same publisher, swapped
    assert.equal(t.outOfOrder, 1);
  });

  it('deliveries the broker still holds are undrained, not lost', () => {
    const t = new DeliveryTracker(1, 1, false);
    for (const seq of [1, 2, 3, 4]) {
      t.publish(seq, 0, 0, true);
      t.accepted(seq);
    }
    t.deliver(1, 0, 1, 0, undefined);
    t.stillQueued(2); // the queue still holds 2 messages after the drain
    const s = t.snapshot();
    assert.equal(s.undrained, 2);
    assert.equal(s.lost, 1);
    assert.equal(s.delivered + s.undrained + s.lost, s.published);
  });
});
