import { createHistogram, encodeHistogram, recordMicros } from '../metrics/histogram.js';

/** What a driver's subscribers received, for one measured window; histograms encoded (µs). */
export interface DeliverySnapshot {
  readonly subscribers: number;
  /** Deliveries one message should produce (subscribers for fan-out, 1 for a work queue). */
  readonly perMessage: number;
  /** Measured messages whose publish was accepted. */
  readonly published: number;
  /** First-time deliveries of measured messages. */
  readonly delivered: number;
  /** Deliveries still missing when the grace period after the window ended. */
  readonly lost: number;
  readonly duplicated: number;
  /** Deliveries that arrived at a subscriber after a later-published message. */
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
  received: number;
  first: number;
  /** Which subscribers have received it (fan-out only). */
  readonly seen: Uint8Array | undefined;
}

/**
 * Matches deliveries to publishes on one clock. The driver calls `published` just before it sends a
 * message (so no delivery can precede it) and subscribers call `deliver` on receipt. Complete
 * entries are dropped at once; what stays is what is still in flight.
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
  duplicated = 0;
  outOfOrder = 0;
  mismatched = 0;
  bytes = 0;
  /** Deliveries received (measured or not) since the last progress tick. */
  tickDeliveries = 0;
  readonly #entries = new Map<number, Entry>();
  #maxSeq = -1;
  readonly #lastSeq: Int32Array;
  readonly #lastArrival: Float64Array;
  readonly #lastSent: Float64Array;
  /** Set once the window is over: late deliveries are still matched but counts are final. */
  frozen = false;

  constructor(
    readonly subscribers: number,
    readonly perMessage: number,
    readonly correctFromIntended: boolean,
  ) {
    this.#lastSeq = new Int32Array(subscribers).fill(-1);
    this.#lastArrival = new Float64Array(subscribers);
    this.#lastSent = new Float64Array(subscribers);
  }

  /** Registers a message about to be sent. `measured`: it belongs to the measured window. */
  publish(seq: number, intended: number, sentAt: number, measured: boolean): void {
    const fanOut = this.perMessage > 1;
    this.#entries.set(seq, {
      from: this.correctFromIntended ? intended : sentAt,
      sentAt,
      measured,
      received: 0,
      first: 0,
      seen: fanOut ? new Uint8Array(this.subscribers) : undefined,
    });
    if (seq > this.#maxSeq) this.#maxSeq = seq;
  }

  /** The publish of `seq` failed: no delivery is expected. */
  unpublish(seq: number): void {
    this.#entries.delete(seq);
  }

  /** A publish was accepted (counts only measured messages). */
  accepted(measured: boolean): void {
    if (measured && !this.frozen) this.published++;
  }

  deliver(seq: number, subscriber: number, at: number, bytes: number, matches: boolean | undefined): void {
    this.tickDeliveries++;
    const entry = this.#entries.get(seq);
    if (!entry) {
      // Every published seq was registered: a miss is a message already complete, delivered again.
      if (seq <= this.#maxSeq && !this.frozen) this.duplicated++;
      return;
    }
    if (entry.seen) {
      if (entry.seen[subscriber] === 1) {
        if (entry.measured && !this.frozen) this.duplicated++;
        return;
      }
      entry.seen[subscriber] = 1;
    }
    entry.received++;
    if (entry.received === 1) entry.first = at;
    const last = this.#lastSeq[subscriber] as number;
    if (entry.measured && !this.frozen) {
      this.delivered++;
      this.bytes += bytes;
      recordMicros(this.latency, (at - entry.from) * 1000);
      if (seq < last) this.outOfOrder++;
      if (matches === false) this.mismatched++;
      if (last >= 0) {
        const arrivalGap = at - (this.#lastArrival[subscriber] as number);
        const sendGap = entry.sentAt - (this.#lastSent[subscriber] as number);
        recordMicros(this.jitter, Math.abs(arrivalGap - sendGap) * 1000);
      }
    }
    if (seq > last) this.#lastSeq[subscriber] = seq;
    this.#lastArrival[subscriber] = at;
    this.#lastSent[subscriber] = entry.sentAt;
    if (entry.received >= this.perMessage) {
      if (entry.measured && this.perMessage > 1 && !this.frozen)
        recordMicros(this.skew, (at - entry.first) * 1000);
      this.#entries.delete(seq);
    }
  }

  requested(empty: boolean): void {
    if (!this.measuring) return;
    this.requests++;
    if (empty) this.emptyRequests++;
  }

  reconnected(ms: number): void {
    if (this.measuring) recordMicros(this.reconnect, ms * 1000);
  }

  /** Deliveries still expected for measured messages. */
  missing(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.measured) n += this.perMessage - e.received;
    return n;
  }

  snapshot(): DeliverySnapshot {
    return {
      subscribers: this.subscribers,
      perMessage: this.perMessage,
      published: this.published,
      delivered: this.delivered,
      lost: this.missing(),
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
