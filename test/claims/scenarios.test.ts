import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPlan } from '../../src/engine/runner.js';
import { findNginx } from '../../src/hops/nginx.js';
import { buildSummary, type SummaryTable } from '../../src/report/model.js';
import { loadPlan } from '../../src/scenario/index.js';
import graphqlN1 from '../../src/patterns/graphql-n1/index.js';
import { feedQuery } from '../../src/patterns/graphql-n1/client.js';
import { makeRecord } from '../../src/message.js';
import { execFileSync } from 'node:child_process';

function onPath(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The claim scenarios (issue 14) in a short form: every case runs and every cell of its table is
 * measured; where the claim predicts an outcome, it is asserted.
 */

const short = { duration: '300ms', warmup: '100ms' } as const;

/** Every row ran ok with operations, no errors, and no empty cell (flags and detail may be empty). */
export function assertAllMeasured(table: SummaryTable): void {
  for (const row of table.rows) {
    const id = row.spec.id;
    assert.equal(row.result?.status, 'ok', `${id}: ${row.result?.error?.message ?? 'not run'}`);
    for (const [key, cell] of Object.entries(row.cells)) {
      if (key === 'flags' || key === 'detail') continue;
      assert.ok(cell !== '' && cell !== '-', `${id}: column ${key} is '${cell}'`);
    }
    const m = row.result?.summary;
    assert.ok(m && m.ops > 0, `${id}: no operations`);
    assert.equal(m.errors.total, 0, `${id}: ${JSON.stringify(m.errorSamples)}`);
  }
}

describe('claim scenarios, short form', { timeout: 120_000 }, () => {
  it('http2-vs-websocket: websocket echo, rest-h2 and rest at 1 and 32 in flight, every cell measured', async () => {
    const plan = await loadPlan('http2-vs-websocket', short);
    assert.deepEqual(
      plan.cases.map((c) => `${c.pattern} ${c.load.connections}x${c.load.inFlight}`),
      ['websocket 1x1', 'rest-h2 1x1', 'rest 1x1', 'websocket 1x32', 'rest-h2 1x32', 'rest 32x1'],
    );
    const table = buildSummary(await runPlan(plan));
    assert.equal(table.rows.length, 6);
    assertAllMeasured(table);
  });

  it('graphql-n1: every cell measured; no errors means every response reported the expected backend calls', async () => {
    const plan = await loadPlan('graphql-n1', short);
    const cases = plan.cases.filter((c) => (c.options as { items?: number }).items === 10);
    assert.equal(cases.length, 2);
    const table = buildSummary(await runPlan({ ...plan, cases }));
    assertAllMeasured(table);
  });
});

describe(
  "ws-backplane: without a backplane the other servers' subscribers miss every message",
  { timeout: 120_000 },
  () => {
    it('none loses exactly the deliveries of servers 2 and 3; redis and nats lose none; every cell measured', async (t) => {
      const plan = await loadPlan('ws-backplane', short);
      const missing = ['redis-server', 'nats-server'].filter((b) => !onPath(b));
      if (missing.length > 0) {
        if (process.env.CI === 'true')
          assert.fail(`${missing.join(', ')} not installed (apt-get install redis-server nats-server)`);
        return t.skip(`${missing.join(', ')} not installed: apt-get install redis-server nats-server`);
      }
      const table = buildSummary(await runPlan(plan));
      assert.equal(table.rows.length, 4);
      assertAllMeasured(table);
      for (const row of table.rows) {
        const d = row.result?.summary?.delivery;
        assert.ok(d && d.published > 0, `${row.spec.id}: published`);
        const backplane = (row.spec.options as { backplane?: string }).backplane;
        if (backplane === 'none') {
          // 6 subscribers over 3 servers: 0 and 3 on server 1 (the publisher's), 4 on servers 2 and 3.
          assert.equal(
            d.delivered,
            d.published * 2,
            `${row.spec.id}: only server 1's 2 subscribers received`,
          );
          assert.equal(
            d.lost,
            d.published * 4,
            `${row.spec.id}: the other 4 subscribers' deliveries are lost`,
          );
          assert.ok(row.cells.detail.includes('lost'), row.cells.detail);
        } else {
          assert.equal(d.lost, 0, `${row.spec.id}: ${row.cells.detail}`);
          assert.equal(d.delivered, d.published * 6, row.spec.id);
        }
      }
      const helpers = table.rows.map((r) => (r.result?.summary?.server?.helpers ?? []).map((h) => h.role));
      assert.deepEqual(helpers.slice(1), [
        ['ws node 2', 'ws node 3'],
        ['ws node 2', 'ws node 3', 'backplane (redis)'],
        ['ws node 2', 'ws node 3', 'backplane (nats)'],
      ]);
    });
  },
);

describe('topic-routing: each consumer receives exactly its topic', { timeout: 90_000 }, () => {
  it('nats and rabbitmq, own: every message reaches exactly the 2 consumers of its topic; all: all 4', async (t) => {
    const missing = ['nats-server', 'rabbitmq-server'].filter((b) => !onPath(b));
    if (missing.length > 0) {
      if (process.env.CI === 'true')
        assert.fail(`${missing.join(', ')} not installed (apt-get install nats-server rabbitmq-server)`);
      return t.skip(`${missing.join(', ')} not installed: apt-get install nats-server rabbitmq-server`);
    }
    const table = buildSummary(await runPlan(await loadPlan('topic-routing', short)));
    assert.deepEqual(
      table.rows.map((r) => (r.spec.options as { broker?: string }).broker),
      ['nats', 'nats', 'rabbitmq', 'rabbitmq'],
    );
    assertAllMeasured(table);
    for (const row of table.rows) {
      const d = row.result?.summary?.delivery;
      assert.ok(d && d.published > 0, row.spec.id);
      const own = (row.spec.options as { subscribe?: string }).subscribe === 'own';
      assert.equal(d.lost, 0, `${row.spec.id}: ${row.cells.detail}`);
      assert.equal(d.duplicated, 0, `${row.spec.id}: no consumer got the other topic (${row.cells.detail})`);
      assert.equal(d.delivered, d.published * (own ? 2 : 4), row.spec.id);
    }
    // The broker measured with each row is the one its option names.
    const roles = table.rows.map((r) => (r.result?.summary?.server?.helpers ?? []).map((h) => h.role));
    assert.deepEqual(roles, [['broker:nats'], ['broker:nats'], ['broker:rabbitmq'], ['broker:rabbitmq']]);
  });
});

describe('event-sourcing: the log replays into the appended state', { timeout: 120_000 }, () => {
  it('redis and rabbitmq: appends and 10k-event rebuilds measured in every cell; no rebuild differed', async (t) => {
    const missing = ['redis-server', 'rabbitmq-server'].filter((b) => !onPath(b));
    if (missing.length > 0) {
      if (process.env.CI === 'true')
        assert.fail(`${missing.join(', ')} not installed (apt-get install redis-server rabbitmq-server)`);
      return t.skip(`${missing.join(', ')} not installed: apt-get install redis-server rabbitmq-server`);
    }
    // A 10k rebuild over AMQP takes 100-400 ms on a shared 2-core machine: a window that holds a few.
    const plan = await loadPlan('event-sourcing', { duration: '1500ms', warmup: '100ms' });
    const small = (c: { options: Readonly<Record<string, unknown>> }): boolean =>
      c.options.phase === 'append' || c.options.events === 10_000;
    const cases = plan.cases.filter(small);
    assert.equal(cases.length, 4);
    const table = buildSummary(await runPlan({ ...plan, cases }));
    assertAllMeasured(table);
    for (const row of table.rows) {
      const o = row.spec.options as { broker: string; phase?: string };
      const m = row.result?.summary;
      // A rebuild that differed from the appended balances is a mismatch error (assertAllMeasured: none).
      if (o.phase !== 'append')
        assert.ok((m?.payload.responsePerOp ?? 0) > 300_000, `${row.spec.id}: whole log read`);
      assert.deepEqual(
        (m?.server?.helpers ?? []).map((h) => h.role),
        [`broker:${o.broker}`],
        row.spec.id,
      );
    }
  });
});

describe('push-via-proxy: SSE and WebSocket through nginx', { timeout: 60_000 }, () => {
  it('every cell measured, nothing lost through nginx, nginx measured as a helper', async (t) => {
    if (!findNginx()) {
      if (process.env.CI === 'true') assert.fail('nginx not installed (apt-get install nginx)');
      return t.skip('nginx not installed: apt-get install nginx');
    }
    const table = buildSummary(await runPlan(await loadPlan('push-via-proxy', short)));
    assert.equal(table.rows.length, 5);
    assertAllMeasured(table);
    for (const row of table.rows) {
      const d = row.result?.summary?.delivery;
      assert.ok(
        d && d.published > 0 && d.lost === 0 && d.delivered === d.published * 10,
        `${row.spec.id}: ${row.cells.detail}`,
      );
      if (row.spec.pattern === 'push-proxy') {
        const helpers = row.result?.summary?.server?.helpers ?? [];
        assert.deepEqual(
          helpers.map((h) => h.role),
          ['proxy (nginx)'],
          row.spec.id,
        );
      }
    }
  });
});

describe('graphql-n1 ground truth: backend calls per query', () => {
  for (const loader of ['none', 'dataloader'] as const) {
    it(`loader ${loader}: ${loader === 'none' ? 'N + 1' : '2'} backend calls for N = 1, 10, 100`, async () => {
      for (const items of [1, 10, 100]) {
        const server = await graphqlN1.startServer({
          host: '127.0.0.1',
          port: 0,
          delayMs: 0,
          options: graphqlN1.options.parse({ items, loader }),
        });
        try {
          const res = await fetch(new URL('/graphql', server.url), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: feedQuery, variables: { n: items, input: makeRecord(64) } }),
          });
          const body = (await res.json()) as {
            data: { feed: { posts: { author: { id: number } }[] } };
            extensions: { backendCalls: number };
          };
          assert.equal(body.data.feed.posts.length, items);
          assert.equal(body.extensions.backendCalls, loader === 'none' ? items + 1 : 2, `N = ${items}`);
        } finally {
          await server.stop();
        }
      }
    });
  }
});

describe(
  'connection-scale: what idle connections cost, up to the machine limit',
  { timeout: 120_000 },
  () => {
    it('websocket, sse, rest and grpc streams at 1,000: every cell measured, one server descriptor and some memory per connection', async () => {
      const plan = await loadPlan('connection-scale', short);
      const cases = plan.cases.filter((c) => c.load.connections === 1000);
      assert.deepEqual(
        cases.map((c) => c.pattern),
        ['websocket', 'sse', 'rest', 'grpc'],
      );
      const table = buildSummary(await runPlan({ ...plan, cases }));
      assertAllMeasured(table);
      for (const row of table.rows) {
        const c = row.result?.summary?.connections;
        assert.ok(c?.server, `${row.spec.id}: no server cost`);
        assert.equal(c.opened, 1000, `${row.spec.id}: opened ${c.opened}`);
        assert.ok(
          c.server.fdsPerConnection >= 0.9 && c.server.fdsPerConnection <= 1.2,
          `${row.spec.id}: ${c.server.fdsPerConnection} fd/conn`,
        );
        assert.ok(
          c.server.rssPerConnectionBytes > 0,
          `${row.spec.id}: ${c.server.rssPerConnectionBytes} B/conn`,
        );
      }
    });

    it('more connections than the machine can hold are refused up front, naming the limit that binds', async () => {
      await assert.rejects(loadPlan('connection-scale', { ...short, connections: '99999' }), (err: Error) => {
        const text = `${err.message} ${JSON.stringify((err as { details?: unknown }).details ?? '')}`;
        assert.match(
          text,
          /more than this machine can open: at most \d+, because (the open-file limit|loopback has)/,
        );
        return true;
      });
    });
  },
);
