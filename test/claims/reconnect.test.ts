import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPlan } from '../../src/engine/runner.js';
import { planFromText } from '../../src/scenario/index.js';

/**
 * The sse-reconnect claim's two sides, run for real: the servers drop every subscriber stream or
 * socket every 200 ms. SSE subscribers reconnect and resume (nothing lost); the WebSocket
 * subscribers (the `ws` library, no reconnect code) stay down, so what follows a drop is lost.
 */
describe('a dropped stream: SSE reconnects by itself, a WebSocket does not', { timeout: 60_000 }, () => {
  it('sse: reconnects and loses nothing; websocket: no reconnect, messages lost', async () => {
    const plan = await planFromText(
      JSON.stringify({
        name: 'drops',
        defaults: {
          duration: '1200ms',
          warmup: '100ms',
          load: { model: 'rate', rate: 100, connections: 1, inFlight: 16, maxInFlight: 2000, subscribers: 2 },
          payload: { size: 256 },
        },
        cases: [
          { pattern: 'sse', options: { sse: { dropEvery: '200ms', retry: '20ms' } } },
          // The drop falls inside the window: a window with no delivery at all fails the case.
          { pattern: 'websocket', options: { websocket: { mode: 'broadcast', dropEvery: '600ms' } } },
        ],
      }),
      { file: 'drops' },
    );
    const result = await runPlan(plan);
    const [sse, ws] = result.cases.map((c) => {
      assert.equal(c.status, 'ok', `${c.spec.id}: ${c.error?.message ?? ''}`);
      return c.summary?.delivery;
    });
    assert.ok(sse && ws, 'both cases have deliveries');
    assert.ok((sse.reconnect?.count ?? 0) > 0, 'sse reconnected');
    assert.equal(sse.lost, 0, 'sse lost nothing');
    assert.equal(ws.reconnect?.count ?? 0, 0, 'nothing reconnected the websocket subscribers');
    assert.ok(ws.lost > 0, `websocket lost ${ws.lost} after the drop`);
  });
});
