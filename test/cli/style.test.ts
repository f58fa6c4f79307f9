/**
 * Terminal conventions: NO_COLOR / FORCE_COLOR / --no-color, commander's usage errors in
 * commbench's one error style (exit 2), and hints that fit the error.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useColor } from '../../src/cli/style.js';
import { assertBuilt, bin, root } from './cli.js';

const golden = join(root, 'test/golden/result.json');
const esc = '\u001b[';

/** Runs the CLI with exactly `env` added to a colour-neutral environment. */
function commbench(args: readonly string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.FORCE_COLOR;
  delete base.NO_COLOR;
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...base, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`), returning what the terminal showed. */
function onTty(args: readonly string[], env: Record<string, string> = {}): string {
  const base: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '160', TERM: 'xterm-256color' };
  delete base.FORCE_COLOR;
  delete base.NO_COLOR;
  // A user's terminal: Node reports a 2-colour terminal when CI is set (as it is in CI runs).
  delete base.CI;
  const cmd = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { env: { ...base, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('colour', () => {
  it('useColor: --no-color, then FORCE_COLOR, then NO_COLOR, then the terminal', () => {
    const tty = { isTTY: true, hasColors: () => true };
    const pipe = { isTTY: false };
    assert.equal(useColor(tty, undefined, {}), true);
    assert.equal(useColor(pipe, undefined, {}), false);
    assert.equal(useColor(tty, undefined, { NO_COLOR: '1' }), false);
    assert.equal(
      useColor(tty, undefined, { NO_COLOR: '' }),
      true,
      'an empty NO_COLOR is unset (no-color.org)',
    );
    assert.equal(useColor(pipe, undefined, { FORCE_COLOR: '1' }), true);
    assert.equal(useColor(tty, undefined, { FORCE_COLOR: '0' }), false);
    assert.equal(useColor(tty, false, { FORCE_COLOR: '1' }), false, '--no-color wins');
    assert.equal(useColor({ isTTY: true, hasColors: () => false }, undefined, {}), false, 'TERM=dumb');
  });

  const haveScript = existsSync('/usr/bin/script');
  it('report on a terminal: colour by default, none with NO_COLOR=1 or --no-color', (t) => {
    if (!haveScript) {
      if (process.env.CI === 'true') assert.fail('util-linux `script` is needed (apt-get install bsdutils)');
      t.skip('needs util-linux `script` (apt-get install bsdutils)');
      return;
    }
    assertBuilt();
    assert.ok(onTty(['report', golden]).includes(esc), 'a terminal gets colour');
    assert.ok(!onTty(['report', golden], { NO_COLOR: '1' }).includes(esc), 'NO_COLOR=1: no escape codes');
    assert.ok(!onTty(['report', golden, '--no-color']).includes(esc));
  });

  it('FORCE_COLOR=1 colours a pipe; a pipe is plain otherwise', () => {
    assertBuilt();
    assert.ok(commbench(['report', golden], { FORCE_COLOR: '1' }).stdout.includes(esc));
    assert.ok(!commbench(['report', golden]).stdout.includes(esc));
  });
});

describe('progress', () => {
  it('a terminal gets the bar with ETA rewritten in place; a pipe gets plain lines with the time left', (t) => {
    if (!existsSync('/usr/bin/script')) {
      if (process.env.CI === 'true') assert.fail('util-linux `script` is needed (apt-get install bsdutils)');
      t.skip('needs util-linux `script` (apt-get install bsdutils)');
      return;
    }
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'commbench-test-'));
    const args = ['run', 'smoke', '--pattern', 'tcp', '--duration', '300ms', '--warmup', '100ms'];
    const tty = onTty([...args, '--out', join(dir, 'a.json')]);
    assert.ok(tty.includes(`\r${esc}2K▕`), 'the line is rewritten in place');
    assert.match(tty, /2K▕[█░]{16}▏ \d+% ETA \d+s {2}\[1\/1\] tcp {2}starting/);
    const pipe = commbench([...args, '--out', join(dir, 'b.json')]);
    assert.equal(pipe.code, 0, pipe.stderr);
    assert.match(pipe.stderr, /^\[1\/1\] tcp {2}starting \(.*\) {2}run 0% done, about \d+s left$/m);
    assert.ok(!pipe.stderr.includes('\r') && !pipe.stderr.includes(esc), 'no control characters');
  });
});

describe('usage errors', () => {
  it("commander's errors in commbench's style, exit 2", () => {
    assertBuilt();
    const unknown = commbench(['run', 'smoke', '--bogus']);
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      "commbench: unknown option '--bogus'\nhint: commbench run --help lists its options and arguments\n",
    );
    const typo = commbench(['report', golden, '--fomat', 'csv']);
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /^commbench: unknown option '--fomat' \(did you mean --format\?\)\nhint: commbench report --help/,
    );
    const command = commbench(['frobnicate']);
    assert.equal(command.code, 2);
    assert.equal(
      command.stderr,
      "commbench: unknown command 'frobnicate'\nhint: commbench --help lists the commands\n",
    );
    const missing = commbench(['run']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^commbench: missing required argument 'scenario'\nhint: /);
  });

  it('the hint fits the flags that are wrong', () => {
    assertBuilt();
    const pattern = commbench(['run', 'smoke', '--pattern', 'foo']);
    assert.equal(pattern.code, 2);
    assert.match(
      pattern.stderr,
      /hint: commbench list shows each scenario and its patterns; see commbench run --help\n$/,
    );
    assert.doesNotMatch(pattern.stderr, /durations/);
    const duration = commbench(['run', 'smoke', '--duration', 'soon']);
    assert.match(duration.stderr, /hint: durations: 500ms, 10s, 2m; see commbench run --help\n$/);
    const both = commbench(['run', 'smoke', '--connections', 'x', '--payload', '3q']);
    assert.match(both.stderr, /hint: sizes: 64 \(bytes\), 1KiB.*; counts are whole numbers/);
    assert.doesNotMatch(both.stderr, /durations/);
  });
});
