import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knownCapacity, nginxOrSkip, searchNginx, startLimitedNginx } from './limited-nginx.js';

describe('knee search against a server with a known capacity', () => {
  it('reads nginx limited to 3,000/s within −15%/+5%, twice in a row', async (t) => {
    const nginx = nginxOrSkip(t);
    if (!nginx) return;
    const server = await startLimitedNginx(nginx, knownCapacity, 1000);
    try {
      const result = await searchNginx(server.url, 2);
      assert.equal(result.status, 'ok', result.error?.message);
      const reads = result.repetitions.map((r) => r.search);
      for (const search of reads) {
        assert.ok(search, 'every repetition keeps its search');
        assert.equal(search.end, 'knee', search.verdict);
        const capacity = search.capacity ?? 0;
        assert.ok(
          capacity >= knownCapacity * 0.85 && capacity <= knownCapacity * 1.05,
          `read ${capacity}/s for nginx serving ${knownCapacity}/s: ${search.verdict}`,
        );
        assert.ok(
          search.steps.every((s) => !s.driverLimited),
          `the driver is not blamed: ${search.verdict}`,
        );
      }
      const merged = result.summary?.search;
      assert.deepEqual(
        merged?.capacities,
        reads.map((s) => s?.capacity),
      );
      assert.equal(merged?.spread?.n, 2);
    } finally {
      await server.stop();
    }
  });
});
