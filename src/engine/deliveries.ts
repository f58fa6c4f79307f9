import { createHistogram, encodeHistogram, recordMicros } from '../metrics/histogram.js';
import type { ErrorKind } from '../result/types.js';

/** What a driver's subscribers received, for one measured window; histograms encoded (µs). */
export interface DeliverySnapshot {
  readonly subscribers: number;
  /** Deliveries one message should produce (subscribers for fan-out, 1 for a work queue). */
  readonly perMessage: number;
  /** Measured messages whose publish was accepted. */
  readonly published: number;
  /** First-time deliveries of measured messages whose publish was accepted, before the freeze. */
  readonly delivered: number;
  /**
   * Expected deliveries still missing at the end (the grace period after the window, or the abort),
   * less those the broker said it still held (`undrained`): gone, as far as anyone can tell.
   */
  readonly lost: number;
  /**
   * Expected deliveries the broker still held, undelivered, when the grace period ended (queued
   * behind slow consumers): not lost. 0 when the pattern cannot ask its broker.
   */
  readonly undrained: number;
  /** First-time deliveries of measured messages that arrived after the counts were frozen. */
  readonly late: number;
  /**
   * First-time deliveries of measured messages whose publish failed (its acknowledgement timed out
   * or the connection broke after the broker took it): neither published nor duplicates.
   */
  readonly unackedDelivered: number;
  /** Second and later receipts of a message by the same subscriber (work queue: by any subscriber). */
  readonly duplicated: number;
  /**
   * Deliveries that arrived at a subscriber after a message published later by the same publisher
   * connection (publishers do not order messages among themselves).
   */
  readonly outOfOrder: number;
  /** Sampled deliveries whose content differed from what was published. */
  readonly mismatched: number;
  /** Publish → receipt, µs: from the scheduled send time for rate loads, else from the send. */
  readonly latency: string;
  /** Per message with more than one delivery: last receipt − first receipt, µs. */
  readonly skew: string;
  /** Per subscriber: |inter-arrival time − inter-publish time| of consecutive messages, µs. */
  readonly jitter: string;
  /** Serialized bytes per delivered message (as the subscribers decoded them). */
  readonly bytes: number;
  /** Requests subscribers made to receive (polling), and those that brought nothing. */
  readonly requests: number;
  readonly emptyRequests: number;
  /** Time to re-establish each dropped subscription, µs. */
  readonly reconnect: string;
}

interface Entry {
  readonly from: number;
  readonly sentAt: number;
  readonly measured: boolean;
  readonly publisher: number;
  /** The publish's outcome: pending, accepted, or failed (error or acknowledgement timeout). */
  ack: 'pending' | 'accepted' | 'failed';
  received: number;
  first: number;
  /** Receipts counted as delivered (and their bytes) while the publish was pending: moved if it fails. */
  counted: number;
  countedBytes: number;
  /** Which subscribers have received it (fan-out only). */
  readonly seen: Uint8Array | undefined;
}

/**
 * Matches deliveries to publishes on one clock. The driver calls `publish` just before it sends a
 * message (so no delivery can precede it), then `accepted` or `unpublish` when the publish settles,
 * and subscribers call `deliver` on receipt. An entry is dropped once it is both complete and
 * settled; what stays is what is still in flight (and failed publishes never delivered).
 */
export class DeliveryTracker {
  readonly latency = createHistogram();
  readonly skew = createHistogram();
  readonly jitter = createHistogram();
  readonly reconnect = createHistogram();
  /** True during the measured window: subscription costs (requests, reconnects) count only then. */
  measuring = false;
  requests = 0;
  emptyRequests = 0;
  published = 0;
  delivered = 0;
  late = 0;
  unackedDelivered = 0;
  duplicated = 0;
  outOfOrder = 0;
  mismatched = 0;
  bytes = 0;
  /** Deliveries received (measured or not) since the last progress tick. */
  tickDeliveries = 0;
  readonly #entries = new Map<number, Entry>();
  #maxSeq = -1;
  /** What the broker said it still held (stillQueued), counted against what is missing at the end. */
  #queued = 0;
  /** Highest seq seen per subscriber and publisher (index subscriber × publishers + publisher). */
  readonly #lastSeq: Float64Array;
  readonly #lastArrival: Float64Array;
  readonly #lastSent: Float64Array;
  #anyArrival: Uint8Array;
  /** Set once the window is over: late deliveries are still matched, counted as `late` only. */
  frozen = false;

  /** `publishers`: the publisher connections (their seqs are ordered only within each one). */
  constructor(
    readonly subscribers: number,
    readonly perMessage: number,
    readonly correctFromIntended: boolean,
    readonly publishers = 1,
  ) {
    this.#lastSeq = new Float64Array(subscribers * Math.max(1, publishers)).fill(-1);
    this.#lastArrival = new Float64Array(subscribers);
    this.#lastSent = new Float64Array(subscribers);
    this.#anyArrival = new Uint8Array(subscribers);
  }

  /**
   * Registers a message about to be sent. `measured`: it belongs to the measured window;
   * `publisher`: the connection that sends it (0-based, < publishers).
   */
  publish(seq: number, intended: number, sentAt: number, measured: boolean, publisher = 0): void {
    const fanOut = this.perMessage > 1;
    this.#entries.set(seq, {
      from: this.correctFromIntended ? intended : sentAt,
      sentAt,
      measured,
      publisher: publisher % Math.max(1, this.publishers),
      ack: 'pending',
      received: 0,
      first: 0,
      counted: 0,
      countedBytes: 0,
      seen: fanOut ? new Uint8Array(this.subscribers) : undefined,
    });
    if (seq > this.#maxSeq) this.#maxSeq = seq;
  }

  /** The publish of `seq` was accepted (counts only measured messages, before the freeze). */
  accepted(seq: number): void {
    const entry = this.#entries.get(seq);
    if (!entry) return;
    entry.ack = 'accepted';
    if (entry.measured && !this.frozen) this.published++;
    if (entry.received >= this.perMessage) this.#entries.delete(seq);
  }

  /**
   * The publish of `seq` failed (an error, or its acknowledgement timed out): no delivery is
   * expected, but the broker may have taken it: its deliveries count as `unackedDelivered`, also
   * those that arrived before the failure was known.
   */
  unpublish(seq: number): void {
    const entry = this.#entries.get(seq);
    if (!entry) return;
    entry.ack = 'failed';
    if (!this.frozen && entry.counted > 0) {
      this.delivered -= entry.counted;
      this.bytes -= entry.countedBytes;
      this.unackedDelivered += entry.counted;
      entry.counted = 0;
    }
    if (entry.received >= this.perMessage) this.#entries.delete(seq);
  }

  deliver(seq: number, subscriber: number, at: number, bytes: number, matches: boolean | undefined): void {
    this.tickDeliveries++;
    const entry = this.#entries.get(seq);
    if (!entry) {
      // Every published seq was registered and stays until complete and settled: a miss is a
      // message already complete, delivered again.
      if (seq <= this.#maxSeq && !this.frozen) this.duplicated++;
      return;
    }
    if (entry.seen) {
      if (entry.seen[subscriber] === 1) {
        if (entry.measured && !this.frozen) this.duplicated++;
        return;
      }
      entry.seen[subscriber] = 1;
    } else if (entry.received >= this.perMessage) {
      if (entry.measured && !this.frozen) this.duplicated++;
      return;
    }
    entry.received++;
    if (entry.received === 1) entry.first = at;
    const order = subscriber * Math.max(1, this.publishers) + entry.publisher;
    const last = this.#lastSeq[order] as number;
    if (entry.measured && this.frozen) {
      if (entry.ack !== 'failed') this.late++;
    } else if (entry.measured && entry.ack === 'failed') {
      this.unackedDelivered++;
    } else if (entry.measured) {
      this.delivered++;
      this.bytes += bytes;
      if (entry.ack === 'pending') {
        entry.counted++;
        entry.countedBytes += bytes;
      }
      recordMicros(this.latency, (at - entry.from) * 1000);
      if (seq < last) this.outOfOrder++;
      if (matches === false) this.mismatched++;
      if (this.#anyArrival[subscriber] === 1) {
        const arrivalGap = at - (this.#lastArrival[subscriber] as number);
        const sendGap = entry.sentAt - (this.#lastSent[subscriber] as number);
        recordMicros(this.jitter, Math.abs(arrivalGap - sendGap) * 1000);
      }
    }
    if (seq > last) this.#lastSeq[order] = seq;
    this.#anyArrival[subscriber] = 1;
    this.#lastArrival[subscriber] = at;
    this.#lastSent[subscriber] = entry.sentAt;
    if (entry.received >= this.perMessage) {
      if (entry.measured && this.perMessage > 1 && !this.frozen && entry.ack !== 'failed')
        recordMicros(this.skew, (at - entry.first) * 1000);
      if (entry.ack !== 'pending') this.#entries.delete(seq);
    }
  }

  /**
   * The broker still holds `deliveries` undelivered deliveries for these subscribers (asked after
   * the grace period): up to that many of the missing ones are `undrained`, not lost.
   */
  stillQueued(deliveries: number): void {
    this.#queued = Math.max(0, deliveries);
  }

  requested(empty: boolean): void {
    if (!this.measuring) return;
    this.requests++;
    if (empty) this.emptyRequests++;
  }

  reconnected(ms: number): void {
    if (this.measuring) recordMicros(this.reconnect, ms * 1000);
  }

  /** Messages subscribers received but could not read, in the window, by error kind, with the first one's why. */
  readonly invalid: Partial<Record<ErrorKind, { count: number; readonly sample: string }>> = {};

  /** A subscriber received a message it could not read: not a record (protocol), too large (oversize). */
  invalidMessage(why: string, kind: ErrorKind = 'protocol'): void {
    if (!this.measuring || this.frozen) return;
    (this.invalid[kind] ??= { count: 0, sample: why }).count++;
  }

  /** Deliveries still expected for measured messages whose publish did not fail. */
  missing(): number {
    let n = 0;
    for (const e of this.#entries.values())
      if (e.measured && e.ack !== 'failed') n += this.perMessage - e.received;
    return n;
  }

  snapshot(): DeliverySnapshot {
    const missing = this.missing();
    const undrained = Math.min(missing, this.#queued);
    return {
      subscribers: this.subscribers,
      perMessage: this.perMessage,
      published: this.published,
      delivered: this.delivered,
      lost: missing - undrained,
      undrained,
      late: this.late,
      unackedDelivered: this.unackedDelivered,
      duplicated: this.duplicated,
      outOfOrder: this.outOfOrder,
      mismatched: this.mismatched,
      latency: encodeHistogram(this.latency),
      skew: encodeHistogram(this.skew),
      jitter: encodeHistogram(this.jitter),
      bytes: this.delivered === 0 ? 0 : this.bytes / this.delivered,
      requests: this.requests,
      emptyRequests: this.emptyRequests,
      reconnect: encodeHistogram(this.reconnect),
    };
  }
}
