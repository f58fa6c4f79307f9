import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFormats } from './report/formats.js';
import { closest, didYouMean } from './suggest.js';
import { patternNames } from './patterns/registry.js';

test('a typo gets the closest known word; an unrelated word gets none', () => {
  assert.equal(closest('rets', patternNames), 'rest');
  assert.equal(closest('GRCP', patternNames), 'grpc');
  assert.equal(closest('websockt', patternNames), 'websocket');
  assert.equal(closest('kafka', patternNames), undefined);
  assert.equal(didYouMean('mardown', ['markdown', 'html']), " (did you mean 'markdown'?)");
  assert.equal(didYouMean('pdf', ['markdown', 'html']), '');
  assert.throws(
    () => parseFormats('mardown'),
    /unknown report format "mardown" \(did you mean 'markdown'\?\)/,
  );
});
