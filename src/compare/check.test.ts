import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResult } from '../../test/fixtures/result.js';
import type { CommbenchError } from '../errors.js';
import { checkThresholds, parseThreshold } from './check.js';

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
