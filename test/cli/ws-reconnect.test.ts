/**
 * The WebSocket clients open a new socket after the server closes theirs, as the rest clients do: a
 * server (written here, on the `ws` library) that closes every socket with 1011 after 20 echoes
 * must cost a few operations, not the rest of the run.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import type { Result } from '../../src/result/types.js';
import { assertBuilt, cli, tempDir } from './cli.js';

let server: WebSocketServer;
let port = 0;
let sockets = 0;
let echoed = 0;

before(async () => {
  assertBuilt();
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  port = (server.address() as { port: number }).port;
  server.on('connection', (socket) => {
    sockets++;
    let n = 0;
    socket.on('message', (data, binary) => {
      echoed++;
      socket.send(data, { binary });
      if (++n === 20) socket.close(1011, 'going away on purpose');
    });
  });
});
after(() => server.close());

for (const client of ['ws', 'net']) {
  test(`websocket client ${client}: reconnects after the server closes the socket (1011)`, async () => {
    const dir = tempDir();
    const file = join(dir, 'ws.yaml');
    writeFileSync(
      file,
      [
        'defaults:',
        '  pattern: websocket',
        '  duration: 1500ms',
        '  warmup: 0ms',
        '  timeout: 2s',
        '  load: { connections: 1 }',
        `  options: { websocket: { client: ${client} } }`,
      ].join('\n') + '\n',
    );
    sockets = 0;
    echoed = 0;
    const out = join(dir, 'r.json');
    const r = await cli(['run', file, '--target', `websocket=ws://127.0.0.1:${port}`, '--out', out], dir)
      .done;
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, r.stderr);
    const result = JSON.parse(readFileSync(out, 'utf8')) as Result;
    const m = result.cases[0]!.summary ?? result.cases[0]!.repetitions[0]!;
    assert.ok(sockets > 3, `the client opened ${sockets} socket(s)`);
    assert.ok(m.ops > 60, `${m.ops} operations succeeded (the server echoed ${echoed})`);
    assert.ok(m.errors.total < m.ops, `${m.errors.total} errors`);
  });
}
