import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { makeCases } from '../../test/fixtures/result.js';
import { createProgress } from './progress.js';
import type { ProgressTick } from './progress.js';

function sink(columns?: number): { stream: Writable & { columns?: number }; text(): string } {
  const chunks: string[] = [];
  const stream: Writable & { columns?: number } = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  if (columns !== undefined) stream.columns = columns;
  return { stream, text: () => chunks.join('') };
}

/** A tick `phaseMs` into the phase of a case with a 2 s warm-up (elapsed counts from the load start). */
const tick = (phase: ProgressTick['phase'], phaseMs: number): ProgressTick => ({
  elapsedMs: phase === 'warmup' ? phaseMs : 2_000 + phaseMs,
  phase,
  ops: 24_310,
  opsPerSec: 24_310,
  p99Us: 5_950,
  errors: 0,
});

function drive(stream: Writable, isTTY: boolean): void {
  const cases = makeCases();
  const progress = createProgress(stream, isTTY, { intervalMs: 5000 });
  const saturated = cases[3]!;
  progress.caseStarted(saturated.spec, 3, 9);
  for (let t = 500; t <= 2000; t += 500) progress.tick(tick('warmup', t));
  for (let t = 500; t <= 10_000; t += 500) progress.tick(tick('measure', t));
  progress.caseFinished(saturated);
  const failed = cases[8]!;
  progress.caseStarted(failed.spec, 8, 9);
  progress.caseFinished(failed);
  const crashed = cases[7]!;
  progress.caseStarted(crashed.spec, 7, 9);
  progress.tick({ ...tick('measure', 1200), errors: undefined });
  progress.close();
  progress.tick(tick('measure', 9000));
}

test('not a TTY: start, one line per interval, outcome; no control characters', () => {
  const out = sink();
  drive(out.stream, false);
  assert.equal(
    out.text(),
    [
      '[4/9] rest closed c=50 16KiB  starting (closed c=50×1, warm-up 2s, measure 10s)',
      '[4/9] rest closed c=50 16KiB  measure 5s/10s  last 1s: 24,310 ops/s, p99 5.95ms  errors 0 in measure',
      '[4/9] rest closed c=50 16KiB  measure 10s/10s  last 1s: 24,310 ops/s, p99 5.95ms  errors 0 in measure',
      '[4/9] rest closed c=50 16KiB  done  9,120 ops/s  p50 5.21ms  p99 29.1ms  errors 0  DRIVER-LIMITED',
      '[9/9] graphql closed c=50 1KiB  starting (closed c=50×1, warm-up 2s, measure 10s)',
      '[9/9] graphql closed c=50 1KiB  failed  E_SERVER_START: server did not report ready within 10s',
      '[8/9] websocket closed c=50 1KiB rep 1/2  starting (closed c=50×1, warm-up 2s, measure 10s ×2)',
      '',
    ].join('\n'),
  );
  for (const ch of out.text()) {
    const code = ch.codePointAt(0)!;
    assert.ok(code === 10 || code >= 0x20, `control character ${code}`);
  }
});

test('TTY: one line per case rewritten in place and cut to the terminal width', () => {
  const out = sink(60);
  drive(out.stream, true);
  const lines = out.text().split('\n');
  assert.equal(lines.length, 4, 'three finished or closed lines and the empty tail');
  assert.equal(lines[3], '');
  for (const line of lines.slice(0, 3)) {
    const frames = line.split('\r\u001b[2K').filter((f) => f !== '');
    for (const f of frames.slice(0, -1)) assert.ok([...f].length <= 59, `frame too wide: ${f}`);
  }
  const last = (i: number): string => lines[i]!.split('\r\u001b[2K').at(-1)!;
  assert.equal(
    last(0),
    '[4/9] rest closed c=50 16KiB  done  9,120 ops/s  p50 5.21ms  p99 29.1ms  errors 0  DRIVER-LIMITED',
  );
  assert.equal(last(2), '[8/9] websocket closed c=50 1KiB rep 1/2  measure 1.2s/10s…');
  assert.equal(lines[0]!.split('\r\u001b[2K').length, 1 + 1 + 4 + 20 + 1, 'start, every tick, outcome');
});

test('TTY: a tick without an error count omits it; close ends the open line once', () => {
  const out = sink(200);
  const progress = createProgress(out.stream, true);
  const c = makeCases()[0]!;
  progress.caseStarted(c.spec, 0, 1);
  progress.tick({ ...tick('warmup', 300), errors: undefined });
  progress.close();
  progress.close();
  assert.equal(
    out.text(),
    '\r\u001b[2K[1/1] tcp closed c=50 64B  starting (closed c=50×1, warm-up 2s, measure 10s)' +
      '\r\u001b[2K[1/1] tcp closed c=50 64B  warmup 300ms/2s  last 1s: 24,310 ops/s, p99 5.95ms\n',
  );
});

test("errors on a tick line are the phase total, not the last tick's", () => {
  const out = sink();
  const progress = createProgress(out.stream, false, { intervalMs: 1000 });
  const c = makeCases()[0]!;
  progress.caseStarted(c.spec, 0, 1);
  for (let t = 1000; t <= 3000; t += 1000) progress.tick({ ...tick('measure', t), errors: 2 });
  const lines = out.text().trim().split('\n');
  assert.deepEqual(
    lines.slice(1).map((l) => /errors (\d+) in measure/.exec(l)?.[1]),
    ['2', '4', '6'],
  );
});

test("a repetition's outcome is its own figure; the merged figure so far is labelled, spread explained", () => {
  const out = sink();
  const progress = createProgress(out.stream, false);
  const grpc = makeCases()[4]!; // repeat=3: 41,200, 39,800, 43,100 ops/s
  progress.caseStarted(grpc.spec, 4, 9, 1);
  progress.caseFinished({ ...grpc, repetitions: grpc.repetitions.slice(0, 2) });
  const done = out.text().trim().split('\n')[1]!;
  assert.match(done, /^\[5\/9\] grpc closed c=50 64B rep 2\/3 {2}done {2}39,800 ops\/s {2}p50 1\.17ms/);
  assert.match(
    done,
    /\(2 reps so far: [\d,]+ ops\/s, p99 \S+; throughput varies ±\d+(\.\d+)?% \(sd\) across reps\)$/,
  );
  assert.doesNotMatch(done, /reps=/);
});

test('ETA: the share of the run done and the time left, stretched by how slow the run really is', () => {
  const cases = makeCases()
    .slice(0, 2)
    .map((c) => c.spec); // 2 × (2 s warm-up + 10 s + 0.5 s setup)
  let clock = 0;
  const out = sink(200);
  const progress = createProgress(out.stream, true, { cases, now: () => clock });
  progress.caseStarted(cases[0]!, 0, 2);
  clock = 6_500;
  progress.tick(tick('measure', 4000)); // 0.5 s setup + 6 s of 12 s: 6.5 of 25 s planned
  const frame = (): string => out.text().split('\r\u001b[2K').at(-1)!;
  assert.match(frame(), /^▕████░{12}▏ 26% ETA 19s {2}\[1\/2\] tcp closed c=50 64B {2}measure 4s\/10s/);
  clock = 13_000; // twice as slow as planned: the rest is expected to take twice as long
  progress.tick(tick('measure', 4000));
  assert.match(frame(), /▏ 26% ETA 37s {2}/);
  progress.caseFinished(makeCases()[0]!);
  const plain = sink();
  const p2 = createProgress(plain.stream, false, { cases, now: () => 0 });
  p2.caseStarted(cases[1]!, 1, 2);
  assert.match(plain.text(), /starting \(.*\) {2}run 0% done, about 25s left\n$/);
});

test("--histogram: the repetition's latency histogram under its outcome", async () => {
  const { createHistogram, summarizeHistogram } = await import('../metrics/histogram.js');
  const h = createHistogram();
  for (let v = 100; v <= 10_000; v += 1) h.recordValue(v);
  const c = makeCases()[0]!;
  const latency = summarizeHistogram(h);
  const rep = { ...c.repetitions[0]!, latency };
  const out = sink();
  const progress = createProgress(out.stream, false, { histogram: true });
  progress.caseStarted(c.spec, 0, 1);
  progress.caseFinished({ ...c, repetitions: [rep], summary: rep });
  const lines = out.text().trim().split('\n');
  assert.equal(lines[2], '  latency histogram (9,901 operations, log buckets):');
  assert.equal(lines.length, 3 + 10);
  const counts = lines.slice(3).map((l) => Number(/\[\s*([\d,]+)\]/.exec(l)![1]!.replace(/,/g, '')));
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    9_901,
  );
  assert.ok(
    counts.every((n, i) => i === 0 || n >= counts[i - 1]!),
    'uniform values: log buckets grow',
  );
  assert.match(lines[3]!, /^ +100µs – 159µs +\[ +59\] +■$/);
});
