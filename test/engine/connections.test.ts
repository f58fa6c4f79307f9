import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCase } from '../../src/engine/runner.js';
import { caseSpec } from './helpers.js';

describe('connection cost (load model connections)', () => {
  for (const pattern of ['tcp', 'rest', 'grpc']) {
    it(`${pattern}: 300 idle connections cost about one server fd each, and some memory`, async () => {
      const result = await runCase(
        caseSpec({ pattern, durationMs: 300, load: { model: 'connections', connections: 300, inFlight: 1 } }),
      );
      assert.equal(result.status, 'ok', result.error?.message);
      const s = result.summary;
      const cost = s?.connections;
      assert.ok(s && cost);
      assert.equal(cost.requested, 300);
      assert.equal(cost.opened, 300);
      assert.equal(cost.failed, 0);
      assert.equal(cost.heldOpen, 300);
      assert.equal(s.ops, 300);
      assert.equal(s.latency.count, 300, 'one open time per connection');
      assert.ok(cost.server, 'server footprint read from /proc');
      assert.ok(
        cost.server.fdsPerConnection > 0.95 && cost.server.fdsPerConnection < 1.1,
        `fds/conn ${cost.server.fdsPerConnection}`,
      );
      assert.ok(cost.server.rssPerConnectionBytes > 0, `rss/conn ${cost.server.rssPerConnectionBytes}`);
      assert.ok(cost.fdLimit > 300);
      // The driver's figures are measured, not constant zeros.
      assert.ok(s.driver.cpuUtilization > 0, `driver CPU ${s.driver.cpuUtilization}`);
      assert.ok(s.driver.eventLoopUtilization > 0, `event loop ${s.driver.eventLoopUtilization}`);
    });
  }
});
