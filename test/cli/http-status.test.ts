/**
 * A server that turns requests away (429 with Retry-After) is not a broken one (500): the two are
 * counted as different error kinds, each with its own sample, and the sample quotes Retry-After.
 * The server is node:http, written here: it echoes the first 5 requests, then answers 429 and 500
 * in turn.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Result } from '../../src/result/types.js';
import { assertBuilt, cli, tempDir } from './cli.js';

let server: Server;
let port = 0;
let n = 0;

before(async () => {
  assertBuilt();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      n++;
      if (n <= 5) {
        const body = Buffer.concat(chunks);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      } else if (n % 2 === 0) res.writeHead(429, { 'retry-after': '2', 'content-length': 0 }).end();
      else res.writeHead(500, { 'content-length': 0 }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
after(() => server.close());

for (const client of ['net', 'undici']) {
  test(`rest client ${client}: 429 counts as rejected (with its Retry-After), 500 as protocol`, async () => {
    const dir = tempDir();
    const file = join(dir, 'rest.yaml');
    writeFileSync(
      file,
      [
        'defaults:',
        '  pattern: rest',
        '  duration: 1s',
        '  warmup: 0ms',
        '  load: { connections: 1 }',
        `  options: { rest: { client: ${client} } }`,
      ].join('\n') + '\n',
    );
    n = 0;
    const out = join(dir, 'r.json');
    const r = await cli(['run', file, '--target', `rest=http://127.0.0.1:${port}`, '--out', out], dir).done;
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, r.stderr);
    const result = JSON.parse(readFileSync(out, 'utf8')) as Result;
    const m = result.cases[0]!.summary ?? result.cases[0]!.repetitions[0]!;
    assert.ok(m.errors.rejected > 0, JSON.stringify(m.errors));
    assert.ok(m.errors.protocol > 0, JSON.stringify(m.errors));
    assert.match(
      m.errorSamples.rejected ?? '',
      /HTTP 429 .*rate limiting.*; the server asked to retry after 2 s; Retry-After: 2$/,
    );
    assert.match(m.errorSamples.protocol ?? '', /HTTP 500 /);
  });
}
