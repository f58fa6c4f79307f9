/**
 * A result whose encoded histogram was damaged (a flipped byte, a cut string) is refused by every
 * command that reads results: exit 2, one message naming the case and the field, no stack trace,
 * never a half-written report or a silently ignored case.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Result } from '../../src/result/types.js';
import { histogramResult } from '../fixtures/histograms.js';
import { assertBuilt, cli, tempDir } from './cli.js';

before(assertBuilt);

function damaged(how: (encoded: string) => string): Result {
  const result = histogramResult();
  const cases = result.cases.map((c, i) => {
    if (i !== 1) return c;
    const rep = c.repetitions[0]!;
    return {
      ...c,
      repetitions: [{ ...rep, latency: { ...rep.latency, encoded: how(rep.latency.encoded) } }],
    };
  });
  return { ...result, cases };
}

describe('a damaged encoded histogram: every command refuses the result (exit 2), naming the case', () => {
  const dir = tempDir();
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify(histogramResult()));
  const flipped = join(dir, 'flipped.json');
  writeFileSync(
    flipped,
    JSON.stringify(damaged((e) => e.slice(0, 30) + (e[30] === 'A' ? 'B' : 'A') + e.slice(31))),
  );
  const cut = join(dir, 'cut.json');
  writeFileSync(cut, JSON.stringify(damaged((e) => e.slice(0, e.length - 8))));
  const commands: [string, string[]][] = [
    ['report (table)', ['report', flipped]],
    ['report --format hgrm', ['report', cut, '--format', 'hgrm']],
    ['report --format html', ['report', flipped, '--format', 'html', '--out', join(dir, 'out')]],
    ['check', ['check', flipped, '--threshold', 'errors<1']],
    ['compare (damaged head)', ['compare', good, flipped]],
    ['compare (damaged base)', ['compare', cut, good]],
    ['merge', ['merge', good, cut, '--out', join(dir, 'merged.json')]],
    ['claims --from', ['claims', '--from', flipped]],
  ];
  for (const [what, args] of commands) {
    it(what, async () => {
      const { code, stderr } = await cli(args, dir).done;
      assert.equal(code, 2, stderr);
      assert.match(stderr, /is not a valid commbench result/);
      assert.match(
        stderr,
        /case "rest closed c=32 64B" \(cases\[1\]\): repetitions\[0\]\.latency: not a valid encoded histogram/,
      );
      assert.doesNotMatch(stderr, /\n\s+at |internal error/);
    });
  }
});
