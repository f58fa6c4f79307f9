import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { generateSchemaText, schemaPath } from '../../scripts/gen-schema.js';
import { Duration, PositiveDuration, Size } from '../units.js';
import { ScenarioSchema } from './schema.js';

describe('units in scenario fields', () => {
  it('parses durations to milliseconds', () => {
    assert.equal(Duration.parse('10s'), 10_000);
    assert.equal(Duration.parse('500ms'), 500);
    assert.equal(Duration.parse('1.5m'), 90_000);
    assert.equal(Duration.parse('250us'), 0.25);
    assert.equal(Duration.parse(750), 750);
    assert.equal(Duration.parse('0ms'), 0);
  });

  it('rejects bad durations with the unit help', () => {
    for (const bad of ['10 secs', '-1s', 'fast', -5, true]) {
      const r = Duration.safeParse(bad);
      assert.equal(r.success, false, String(bad));
      assert.match(r.error?.issues[0]?.message ?? '', /a duration such as '10s'/);
    }
    assert.match(PositiveDuration.safeParse('0s').error?.issues[0]?.message ?? '', /longer than 0/);
  });

  it('parses sizes to bytes', () => {
    assert.equal(Size.parse(64), 64);
    assert.equal(Size.parse('64'), 64);
    assert.equal(Size.parse('1KiB'), 1024);
    assert.equal(Size.parse('16kib'), 16_384);
    assert.equal(Size.parse('2kb'), 2000);
    assert.equal(Size.parse('1MiB'), 1_048_576);
    for (const bad of ['1x', 1.5, '-1', 'big']) {
      const r = Size.safeParse(bad);
      assert.equal(r.success, false, String(bad));
      assert.match(r.error?.issues[0]?.message ?? '', /a size such as '64', '1KiB'/);
    }
  });

  it('rejects unknown keys at every level', () => {
    const r = ScenarioSchema.safeParse({ defaults: { load: { conns: 1 } }, extra: 1 });
    assert.deepEqual(
      r.error?.issues.map((i) => [i.code, i.path.join('.')]),
      [
        ['unrecognized_keys', 'defaults.load'],
        ['unrecognized_keys', ''],
      ],
    );
  });
});

describe('scenarios/schema.json', () => {
  it('equals a freshly generated schema (run `npm run schema` when this fails)', async () => {
    const committed = await readFile(schemaPath, 'utf8');
    assert.equal(committed, await generateSchemaText(), 'scenarios/schema.json is stale: run npm run schema');
  });
});
