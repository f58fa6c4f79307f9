import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectGolden } from '../../test/fixtures/golden.js';
import { makeResult, measurement, spec } from '../../test/fixtures/result.js';
import type { CaseResult, Result } from '../result/types.js';
import { buildAnswer, type Answer } from './answer.js';
import { answerHtml } from './html.js';
import { answerMarkdown, renderMarkdown } from './markdown.js';
import { buildSummary } from './model.js';
import { renderHtml } from './html.js';
import { answerBlock, renderTable } from './table.js';

interface Row {
  readonly pattern: string;
  /** Throughput of each repetition, ops/s (one value: one repetition). */
  readonly reps: readonly number[];
  readonly p50: number;
  readonly payload: number;
  readonly serverCpu: number;
  readonly saturated?: boolean;
}

/** A result of closed-loop 1 KiB cases, one per row, compared against `baseline`. */
function resultOf(rows: readonly Row[], baseline = 'rest'): Result {
  const cases: CaseResult[] = rows.map((r) => {
    const s = spec(r.pattern, 1024, { repeat: r.reps.length });
    const reps = r.reps.map((throughput, repetition) =>
      measurement({
        repetition,
        throughput,
        p50: r.p50,
        payload: r.payload,
        wire: r.payload + 40,
        serverCpuUsPerOp: r.serverCpu,
        driverCpuUsPerOp: 10,
        ...(r.saturated ? { saturated: true } : {}),
      }),
    );
    const mean = r.reps.reduce((a, b) => a + b, 0) / r.reps.length;
    const summary = measurement({
      throughput: mean,
      p50: r.p50,
      payload: r.payload,
      wire: r.payload + 40,
      serverCpuUsPerOp: r.serverCpu,
      driverCpuUsPerOp: 10,
      ...(r.saturated ? { saturated: true } : {}),
    });
    return { spec: s, status: 'ok', repetitions: reps, summary };
  });
  const base = makeResult();
  return makeResult({
    cases,
    plan: {
      ...base.plan,
      question: 'which echoes more calls per second?',
      baseline,
      cases: cases.map((c) => c.spec),
    },
  });
}

/** The answer in all three layouts, as one golden text. */
function allLayouts(result: Result): { answer: Answer; text: string } {
  const answer = buildAnswer(result, buildSummary(result));
  const text = [
    '== terminal (100 columns)',
    ...answerBlock(answer, 100),
    '',
    '== markdown',
    ...answerMarkdown(answer),
    '== html',
    answerHtml(answer),
  ].join('\n');
  return { answer, text };
}

const metricLine = (answer: Answer, metric: string) =>
  answer.groups[0]!.lines.find((l) => l.metric === metric)!;

test('a clear winner is named with its ratio to the baseline and the spread of its repetitions', async () => {
  const result = resultOf([
    { pattern: 'rest', reps: [24_000, 24_600, 23_800], p50: 1920, payload: 128, serverCpu: 27 },
    { pattern: 'grpc', reps: [41_200, 39_800, 43_100], p50: 1150, payload: 60, serverCpu: 20 },
    { pattern: 'graphql', reps: [9_100, 9_300, 8_900], p50: 4100, payload: 190, serverCpu: 70 },
  ]);
  const { answer, text } = allLayouts(result);
  await expectGolden('answer-winner.txt', text);
  const ops = metricLine(answer, 'ops/s');
  assert.equal(ops.outcome, 'winner');
  assert.deepEqual(ops.best, ['grpc']);
  assert.match(ops.text, /^grpc 41,367 highest, 1\.7 ± 0\.1× higher than rest \(24,133\)/);
  assert.match(ops.text, /graphql 2\.7 ± 0\.1× lower/);
  assert.equal(answer.groups[0]!.baseline, 'rest');
});

test('rows within noise of each other are a tie, not a winner', async () => {
  const result = resultOf([
    { pattern: 'rest', reps: [24_000, 25_100, 23_500], p50: 1920, payload: 128, serverCpu: 27 },
    { pattern: 'grpc', reps: [24_900, 23_600, 24_700], p50: 1900, payload: 60, serverCpu: 26.5 },
  ]);
  const { answer, text } = allLayouts(result);
  await expectGolden('answer-tie.txt', text);
  const ops = metricLine(answer, 'ops/s');
  assert.equal(ops.outcome, 'tie');
  assert.deepEqual([...ops.best].sort(), ['grpc', 'rest']);
  assert.match(ops.text, /^tie within noise \(±\d/);
  assert.equal(metricLine(answer, 'p50').outcome, 'tie', 'one repetition-independent 1% gap is noise');
  assert.equal(metricLine(answer, 'payload').outcome, 'winner', 'bytes are exact: 60 B beats 128 B');
});

test('a flagged row is never declared the winner, however fast it looks', async () => {
  const result = resultOf([
    { pattern: 'rest', reps: [24_000], p50: 1920, payload: 128, serverCpu: 27 },
    { pattern: 'grpc', reps: [90_000], p50: 400, payload: 60, serverCpu: 20, saturated: true },
    { pattern: 'graphql', reps: [9_100], p50: 4100, payload: 190, serverCpu: 70 },
  ]);
  const { answer, text } = allLayouts(result);
  await expectGolden('answer-flagged.txt', text);
  for (const metric of ['ops/s', 'p50']) {
    const line = metricLine(answer, metric);
    assert.deepEqual(line.best, ['rest'], `${metric}: ${line.text}`);
    assert.match(line.text, /not compared: grpc \(DRIVER-LIMITED\)/);
  }
  // CPU per operation of a driver-limited row is still the server's: it is compared.
  assert.deepEqual(metricLine(answer, 'srv CPU/op').best, ['grpc']);
});

test('the answer is the first thing after the title in the terminal, markdown and HTML', () => {
  const result = resultOf([
    { pattern: 'rest', reps: [24_000], p50: 1920, payload: 128, serverCpu: 27 },
    { pattern: 'grpc', reps: [41_000], p50: 1150, payload: 60, serverCpu: 20 },
  ]);
  const terminal = renderTable(result).split('\n');
  assert.equal(terminal[2], 'Answer: which echoes more calls per second?');
  const md = renderMarkdown(result).split('\n');
  assert.equal(
    md.slice(0, 5).join('\n'),
    `### rest-vs-grpc\n\n${md[2]}\n\n**Answer: which echoes more calls per second?**`,
  );
  const html = renderHtml(result);
  const body = html.slice(html.indexOf('<body>'));
  assert.ok(body.indexOf('<section id="answer">') < body.indexOf('<table'), 'answer before the table');
  assert.ok(body.indexOf('<section id="answer">') < body.indexOf('<h2>'), 'answer is the first section');
});

test('a single case, or cases that share nothing, say there is nothing to compare', () => {
  const result = resultOf([{ pattern: 'rest', reps: [24_000], p50: 1920, payload: 128, serverCpu: 27 }]);
  const answer = buildAnswer(result, buildSummary(result));
  assert.equal(answer.groups.length, 0);
  assert.match(answer.empty ?? '', /nothing to compare/);
});

test('a tie the baseline is not part of still says how the tied rows compare with it', () => {
  const result = resultOf([
    { pattern: 'rest', reps: [24_000], p50: 1920, payload: 128, serverCpu: 27 },
    { pattern: 'grpc', reps: [41_000], p50: 1150, payload: 60, serverCpu: 20 },
    { pattern: 'tcp', reps: [41_500], p50: 1140, payload: 128, serverCpu: 12 },
  ]);
  const line = metricLine(buildAnswer(result, buildSummary(result)), 'ops/s');
  assert.equal(line.outcome, 'tie');
  assert.match(
    line.text,
    /^tie within noise \(±5\.\d%\): tcp 41,500, grpc 41,000, 1\.7× higher than rest \(24,000\)$/,
  );
});
