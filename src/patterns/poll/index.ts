import { z } from 'zod';
import { PositiveDuration } from '../../units.js';
import { pushPattern } from '../../toolkit/lazy.js';

/** Options of the `poll` pattern (scenario `options:`); the server and the subscribers read the same. */
export const pollOptions = z.strictObject({
  /** Subscribers ask for new records this often (on a fixed schedule; a poll still out skips a tick). */
  interval: PositiveDuration.default(1000),
  /** Records the server keeps; a subscriber further behind than this misses the older ones. */
  keep: z.int().min(1).max(10_000_000).default(100_000),
});
export type PollOptions = z.output<typeof pollOptions>;

/**
 * Plain HTTP polling, the baseline for low-frequency updates: `POST /publish` stores the record
 * (answering `{"seq":N}` after the server's delay); each subscriber sends
 * `GET /updates?since=<cursor>` every `interval` on its own keep-alive connection and gets
 * `{"cursor":C,"records":[...]}` with what was published since. Delivery latency is about
 * interval/2 on average, and most polls come back empty: the subscriptions count both
 * (`requests`, `emptyRequests`). Payload bytes: request body and ack; a delivery's bytes are the
 * record's JSON. Endpoint: http://host:port.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default pushPattern(pollOptions, server, client);
