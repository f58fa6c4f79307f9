import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyOf, makeResult, measurement, spec } from '../../test/fixtures/result.js';
import type { DeliveryMetrics, Measurement } from '../result/types.js';
import { buildSummary } from './model.js';

const delivery = (counts: Partial<DeliveryMetrics>): DeliveryMetrics => ({
  subscribers: 2,
  perMessage: 1,
  published: 1000,
  expected: 1000,
  delivered: 983,
  lost: 0,
  duplicated: 0,
  outOfOrder: 0,
  mismatched: 0,
  throughput: 98.3,
  latency: latencyOf(900),
  skew: latencyOf(0, 1, 0),
  jitter: latencyOf(50),
  subscribe: latencyOf(2000, 1, 2),
  bytesPerDelivery: 1100,
  ...counts,
});

function detailOf(m: Measurement): string {
  const s = spec('amqp', 1024, {
    load: { model: 'rate', rate: 100, connections: 1, inFlight: 8, maxInFlight: 1000 },
  });
  const result = makeResult({ cases: [{ spec: s, status: 'ok', repetitions: [m], summary: m }] });
  return buildSummary(result).rows.find((r) => r.spec.id === s.id)?.cells.detail ?? '';
}

test('detail: a backlog, late and unacknowledged deliveries each get their own words, none is "lost"', () => {
  const base = measurement({ throughput: 100, p50: 800, payload: 1024, wire: 2300, driverCpuUsPerOp: 30 });
  const detail = detailOf({
    ...base,
    delivery: delivery({ undrained: 12, late: 3, unackedDelivered: 2 }),
  });
  assert.match(detail, /none lost/);
  assert.match(detail, /12 still queued/);
  assert.match(detail, /3 late/);
  assert.match(detail, /2 delivered unacked/);
});

test('detail: the broker as a server helper, and a broker whose CPU could not be read', () => {
  const base = measurement({
    throughput: 100,
    p50: 800,
    payload: 1024,
    wire: 2300,
    serverCpuUsPerOp: 40,
    driverCpuUsPerOp: 30,
  });
  const server = base.server!;
  const measured = detailOf({
    ...base,
    delivery: delivery({}),
    server: {
      ...server,
      helpers: [{ role: 'broker:rabbitmq', cpuUs: 40_000, cpuUsPerOp: 40, maxRssBytes: 1 }],
    },
  });
  assert.match(measured, /broker:rabbitmq 40(\.0)?µs\/op/);
  const unmeasured = detailOf({
    ...base,
    delivery: delivery({}),
    server: { ...server, unmeasured: [{ role: 'broker:rabbitmq', reason: 'amqp://h:5672 is not ours' }] },
  });
  assert.match(unmeasured, /broker:rabbitmq CPU not measured/);
});
