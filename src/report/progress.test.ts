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
      '[4/9] rest closed c=50 16KiB  measure 5s/10s  24,310 ops/s  p99 5.95ms  errors 0',
      '[4/9] rest closed c=50 16KiB  measure 10s/10s  24,310 ops/s  p99 5.95ms  errors 0',
      '[4/9] rest closed c=50 16KiB  done  9,120 ops/s  p50 5.21ms  p99 29.1ms  errors 0  DRIVER-SATURATED',
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
    '[4/9] rest closed c=50 16KiB  done  9,120 ops/s  p50 5.21ms  p99 29.1ms  errors 0  DRIVER-SATURATED',
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
      '\r\u001b[2K[1/1] tcp closed c=50 64B  warmup 300ms/2s  24,310 ops/s  p99 5.95ms\n',
  );
});
