import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyOf, makeResult, measurement } from '../../test/fixtures/result.js';
import type { CommbenchError } from '../errors.js';
import { checkThresholds, flaggedPasses, formatOutcome, parseThreshold } from './check.js';

test('threshold parser: valid forms', () => {
  const cases: [string, string, string, string, number][] = [
    ['grpc.p99<2ms', 'grpc', 'p99', '<', 2000],
    ['rest.throughput>20000', 'rest', 'throughput', '>', 20000],
    ['rest.throughput >= 20k', 'rest', 'throughput', '>=', 20000],
    ['p99<=500us', '*', 'p99', '<=', 500],
    ['*.p50 < 1.5ms', '*', 'p50', '<', 1500],
    ['grpc.p99.9<10ms', 'grpc', 'p999', '<', 10000],
    ['rest closed c=50 1KiB.errorRate<1%', 'rest closed c=50 1KiB', 'errorRate', '<', 0.01],
    ['tcp 64B.wire<=1KiB', 'tcp 64B', 'wire', '<=', 1024],
    ['rest.errors==0', 'rest', 'errors', '==', 0],
    ['grpc.max<1s', 'grpc', 'max', '<', 1_000_000],
  ];
  for (const [text, selector, metric, op, value] of cases) {
    const t = parseThreshold(text);
    assert.deepEqual([t.selector, t.metric.name, t.op, t.value], [selector, metric, op, value], text);
  }
});

test('threshold parser: invalid forms say what is wrong and what would be right', () => {
  const problem = (text: string): string => {
    try {
      parseThreshold(text);
    } catch (err) {
      const e = err as CommbenchError;
      assert.equal(e.code, 'E_USAGE');
      return [e.message, ...e.details, e.hint ?? ''].join('\n');
    }
    assert.fail(`${text} was accepted`);
  };
  assert.match(problem('grpc.p98<2ms'), /unknown metric "p98"[\s\S]*p99: 99th percentile/);
  assert.match(problem('grpc.p99<2'), /"2" is not a duration with a unit[\s\S]*'grpc\.p99<2ms'/);
  assert.match(problem('grpc.p99 2ms'), /not SELECTOR\.METRIC OP VALUE[\s\S]*operators: <, <=, >, >=, ==/);
  assert.match(problem('rest.throughput>fast'), /not operations per second/);
  assert.match(problem('rest.errorRate<0.01'), /not a percentage/);
  assert.match(problem(''), /not SELECTOR/);
});

test('check: every selected case must pass; a failed case crosses; a misspelled case is an error', () => {
  const result = makeResult();
  const outcomes = checkThresholds(result, [
    parseThreshold('grpc.p99<5ms'),
    parseThreshold('tcp.throughput>50k'),
  ]);
  assert.deepEqual(
    outcomes.map((o) => [o.caseLabel, o.threshold.metric.name, o.passed]),
    [
      ['grpc 64B', 'p99', true],
      ['grpc 16KiB', 'p99', false],
      ['tcp 64B', 'throughput', true],
      ['tcp 16KiB', 'throughput', false],
    ],
  );
  const failed = checkThresholds(result, [parseThreshold('graphql.p99<1s')]);
  assert.equal(failed[0]!.passed, false, 'no measurements never passes');
  assert.equal(failed[0]!.actual, undefined);
  assert.throws(
    () => checkThresholds(result, [parseThreshold('grcp.p99<2ms'), parseThreshold('resst 64B.p50<1ms')]),
    (err: CommbenchError) =>
      err.code === 'E_USAGE' &&
      /"grcp" matches no case/.test(err.details[0]!) &&
      /"resst 64B" matches no case/.test(err.details[1]!) &&
      /patterns: tcp, rest, grpc, websocket, graphql/.test(err.details[2]!),
  );
});

test('check: a case that did not complete crosses every threshold on it, with the reason', () => {
  const base = makeResult();
  // A crash whose partial summary looks clean: the errors after the crash were never counted.
  const crashed = measurement({
    throughput: 60_000,
    p50: 800,
    payload: 2060,
    wire: 2098,
    driverCpuUsPerOp: 9,
  });
  const cases = base.cases.map((c) =>
    c.spec.pattern === 'websocket'
      ? { ...c, summary: crashed, repetitions: [{ ...crashed, repetition: 0 }] }
      : c.spec.id === 'tcp closed c=50 64B'
        ? {
            ...c,
            status: 'interrupted' as const,
            repetitions: [{ ...c.repetitions[0]!, endReason: 'interrupted' as const }],
          }
        : c,
  );
  const result = makeResult({ cases });
  const outcomes = checkThresholds(result, [
    parseThreshold('websocket.errors==0'),
    parseThreshold('tcp.p99<1s'),
  ]);
  assert.deepEqual(
    outcomes.map((o) => [o.caseLabel, o.passed]),
    [
      ['websocket 1KiB', false],
      ['tcp 64B', false],
      ['tcp 16KiB', true],
    ],
  );
  assert.match(
    outcomes[0]!.reason ?? '',
    /did not complete \(server-crashed: server process exited with signal SIGKILL/,
  );
  assert.match(outcomes[1]!.reason ?? '', /did not complete \(interrupted: repetition 1 interrupted\)/);
  assert.equal(outcomes[2]!.reason, undefined);
  assert.match(
    formatOutcome(outcomes[0]!),
    /^CROSSED {2}websocket 1KiB: errors 0 \(partial\) \(threshold == 0\): the case did not complete/,
  );
});

test('check: push/queue rows read what the table shows; delivery.* and ack.* name a side', () => {
  const base = makeResult();
  const rest = base.cases.find((c) => c.spec.id === 'rest closed c=50 64B')!;
  const summary = {
    ...rest.summary!,
    throughput: 900,
    latency: latencyOf(400),
    delivery: {
      subscribers: 4,
      perMessage: 4,
      published: 9_000,
      expected: 36_000,
      delivered: 36_000,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      mismatched: 0,
      throughput: 3_600,
      latency: latencyOf(2_000),
      skew: latencyOf(100),
      jitter: latencyOf(50),
      subscribe: latencyOf(900),
      bytesPerDelivery: 64,
    },
  };
  const push = { ...rest, spec: { ...rest.spec, id: 'sse', pattern: 'sse' }, summary };
  const result = makeResult({ cases: [push], plan: { ...base.plan, cases: [push.spec] } });
  const read = (text: string): number | undefined =>
    checkThresholds(result, [parseThreshold(text)])[0]!.actual;
  assert.equal(read('sse.throughput>1'), 3_600, 'deliveries/s, as the table shows');
  assert.equal(read('sse.p99<1s'), latencyOf(2_000).p99, 'publish → delivery, as the table shows');
  assert.equal(read('sse.delivery.throughput>1'), 3_600);
  assert.equal(read('sse.delivery.p99.9<1s'), latencyOf(2_000).p999);
  assert.equal(read('sse.publish.throughput>1'), 900);
  assert.equal(read('sse.ack.p99<1s'), latencyOf(400).p99);
  assert.equal(read('delivery.p50<1s'), 2_000, 'no selector: every case');
  assert.throws(
    () => checkThresholds(makeResult(), [parseThreshold('rest.ack.p99<1s')]),
    (err: CommbenchError) => /the result has no ack\.p99 for rest/.test(err.details[0]!),
  );
  assert.throws(() => parseThreshold('sse.delivery.p98<1s'), /unknown metric "delivery\.p98"/);
});

test('check: a check that passes on a flagged row says so, on its line and under the checks', () => {
  const outcomes = checkThresholds(makeResult(), [parseThreshold('rest.p50<1s')]);
  const byLabel = new Map(outcomes.map((o) => [o.caseLabel, o]));
  assert.ok(outcomes.every((o) => o.passed || o.caseLabel === 'rest 1KiB'));
  assert.deepEqual(byLabel.get('rest 16KiB')!.flags, ['DRIVER-LIMITED']);
  assert.equal(byLabel.get('rest 64B')!.flags, undefined);
  assert.match(
    formatOutcome(byLabel.get('rest 16KiB')!),
    /^ok {7}rest 16KiB: p50 .* \[flagged DRIVER-LIMITED\]$/,
  );
  assert.doesNotMatch(formatOutcome(byLabel.get('rest 64B')!), /flagged/);
  assert.match(
    flaggedPasses(outcomes) ?? '',
    /^passed on 2 flagged rows: rest 16KiB \(DRIVER-LIMITED\); rest 1KiB \(SERVER-LIMITED dropped 9\.4%\): the figures may measure the load generator/,
  );
  assert.equal(flaggedPasses(checkThresholds(makeResult(), [parseThreshold('tcp.p50<1s')])), undefined);
});
