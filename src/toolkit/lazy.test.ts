import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { deliveriesOfMode, pushPattern, requestPattern } from './lazy.js';
import { loadPattern, patternInfo, patternNames } from '../patterns/registry.js';

describe('pattern code by convention', () => {
  it('imports server and client modules only when first called', async () => {
    const loaded: string[] = [];
    const code = requestPattern(
      z.strictObject({}),
      () => (loaded.push('server'), Promise.resolve({ startServer: () => Promise.reject(new Error('s')) })),
      () => (loaded.push('client'), Promise.resolve({ connect: () => Promise.reject(new Error('c')) })),
    );
    assert.deepEqual(loaded, []);
    await assert.rejects(code.connect({} as never), /c/);
    assert.deepEqual(loaded, ['client']);
  });

  it('deliveries per message follow the mode: work-queue one, rpc and echo none, else every subscriber', () => {
    assert.equal(deliveriesOfMode({ mode: 'work-queue' }, 4), 1);
    assert.equal(deliveriesOfMode({ mode: 'rpc' }, 4), 0);
    assert.equal(deliveriesOfMode({ mode: 'echo' }, 4), 0);
    assert.equal(deliveriesOfMode({ mode: 'pubsub' }, 4), 4);
    assert.equal(deliveriesOfMode({}, 3), 3);
    const code = pushPattern(z.strictObject({}), Promise.reject, Promise.reject, () => 1);
    assert.equal(code.deliveriesPerMessage({}, 9), 1);
  });

  it('every catalogue entry loads, and push and queue kinds are exactly the patterns that subscribe', async () => {
    for (const name of patternNames) {
      const pattern = await loadPattern(name);
      const info = patternInfo(name);
      assert.deepEqual(
        { name: pattern.name, kind: pattern.kind, scheme: pattern.scheme, summary: pattern.summary },
        { name: info.name, kind: info.kind, scheme: info.scheme, summary: info.summary },
      );
      const subscribes = pattern.subscribe !== undefined;
      assert.equal(subscribes, pattern.kind === 'push' || pattern.kind === 'queue', name);
    }
    assert.throws(() => patternInfo('nope'), /unknown pattern 'nope'/);
  });
});
