import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  recordMicros,
  summarizeHistogram,
} from './histogram.js';

describe('summarizeHistogram', () => {
  it('never reports a percentile above max (both are bucket tops)', () => {
    const h = createHistogram();
    for (let i = 0; i < 990; i++) recordMicros(h, 1000);
    for (let i = 0; i < 10; i++) recordMicros(h, 123_457);
    const s = summarizeHistogram(h);
    assert.ok(s.p999 <= s.max, `p99.9 ${s.p999} > max ${s.max}`);
    assert.ok(s.p99 <= s.max);
    // 123457 at 3 significant digits lies in the bucket [123392, 123519].
    assert.equal(s.max, 123_519);
  });

  it('reads the same max before and after encoding', () => {
    const h = createHistogram();
    for (const us of [17, 250, 9_999, 1_234_567]) recordMicros(h, us);
    const direct = summarizeHistogram(h);
    const decoded = summarizeHistogram(decodeHistogram(encodeHistogram(h)));
    assert.equal(direct.max, decoded.max);
    assert.equal(direct.p999, decoded.p999);
  });
});
