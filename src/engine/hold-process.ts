/**
 * Entry of a holding driver process (the `connections` model with `processes:`): opens its share of
 * the connections when told (COMMBENCH_HOLD_SHARE: a HoldShare), reports what opening measured and
 * its resident memory, holds them until released. Exits when the parent goes away.
 */
import { collectGarbage } from '../metrics/gc.js';
import { openShare, type BroadcastShare, type HoldShare } from './held.js';
import type { FromHolder, ToHolder } from './holders.js';

const send = (m: FromHolder): void => void process.send?.(m);
process.on('disconnect', () => process.exit(0));
const share = JSON.parse(process.env.COMMBENCH_HOLD_SHARE ?? '{}') as HoldShare;
let release: (() => Promise<void>) | undefined;
let collect: ((publishedAtMs: number) => BroadcastShare) | undefined;
process.on('message', (m: ToHolder) => {
  if (m.type === 'open') {
    void openShare(share).then(
      ({ close, collect: read, ...opened }) => {
        release = close;
        collect = read;
        collectGarbage();
        send({ type: 'opened', opened, rssBytes: process.memoryUsage().rss });
      },
      (err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  } else if (m.type === 'collect') {
    send({
      type: 'collected',
      broadcast: collect?.(m.publishedAtMs) ?? { received: 0, latency: '', lastUs: 0 },
    });
  } else if (m.type === 'release') {
    void (release?.() ?? Promise.resolve()).then(() => send({ type: 'released' }));
  }
});
collectGarbage();
send({ type: 'ready', rssBytes: process.memoryUsage().rss });
