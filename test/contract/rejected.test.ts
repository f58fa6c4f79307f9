/**
 * Every HTTP-family client counts a 429 or 503 as 'rejected' (the server turned the request away for
 * load), not as a broken answer, and says how long the server asked to wait when it sent
 * Retry-After: rest-h2, graphql (the echo and a user's own query), the sse/poll publisher, a poll,
 * and an SSE stream whose reconnect is turned away. The servers are node:http and node:http2,
 * written here.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { after, describe, it } from 'node:test';
import { makeRecord } from '../../src/message.js';
import graphqlPattern from '../../src/patterns/graphql/index.js';
import pollPattern from '../../src/patterns/poll/index.js';
import restH2Pattern from '../../src/patterns/rest-h2/index.js';
import ssePattern from '../../src/patterns/sse/index.js';
import { OpError, type ErrorKind, type PatternClient } from '../../src/toolkit/contract.js';

const servers: (HttpServer | Http2Server)[] = [];
after(() => {
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    s.close();
  }
});

async function listen(server: HttpServer | Http2Server): Promise<URL> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return new URL(`http://127.0.0.1:${address.port}/`);
}

/** node:http answering every request 429 with Retry-After: 7. */
function always429(): Promise<URL> {
  return listen(
    createHttpServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res.writeHead(429, { 'retry-after': '7', 'content-type': 'text/plain' }).end('slow down'),
      );
    }),
  );
}

const ctxBase = { index: 0, inFlight: 1, timeoutMs: 5000, payload: { add: () => undefined } };
const retried = /HTTP 429 on .*; the server asked to retry after 7 s; Retry-After: 7$/;

async function sendError(client: PatternClient): Promise<OpError> {
  try {
    await client.send({ ...makeRecord(64), seq: 1 }, false);
  } catch (err) {
    assert.ok(err instanceof OpError, String(err));
    return err;
  } finally {
    await client.close();
  }
  assert.fail('the send succeeded');
}

describe('429 with Retry-After: rejected, and the wait the server asked for', () => {
  it('rest-h2', async () => {
    const url = await listen(
      createH2Server((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(429, { 'retry-after': '7' }).end('slow down'));
      }),
    );
    const client = await restH2Pattern.connect({ ...ctxBase, url, options: restH2Pattern.options.parse({}) });
    const err = await sendError(client);
    assert.equal(err.kind, 'rejected', err.message);
    assert.match(err.message, retried);
  });

  it('graphql: the echo query and a user query', async () => {
    const url = await always429();
    const options = graphqlPattern.options.parse({});
    for (const request of [undefined, { query: '{ ok }' }]) {
      const client = await graphqlPattern.connect({
        ...ctxBase,
        url,
        options,
        ...(request ? { request } : {}),
      });
      const err = await sendError(client);
      assert.equal(err.kind, 'rejected', err.message);
      assert.match(err.message, retried);
    }
  });

  it('the sse and poll publisher', async () => {
    const url = await always429();
    const client = await ssePattern.connect({ ...ctxBase, url, options: ssePattern.options.parse({}) });
    const err = await sendError(client);
    assert.equal(err.kind, 'rejected', err.message);
    assert.match(err.message, retried);
  });

  it('poll: the first poll fails the subscription as rejected; later ones are window errors', async () => {
    const first = await always429();
    const err = await pollPattern.subscribe!({
      ...ctxBase,
      url: first,
      options: pollPattern.options.parse({}),
      deliver: () => undefined,
    }).then(
      () => assert.fail('the subscription opened'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OpError, String(err));
    assert.equal(err.kind, 'rejected', err.message);
    assert.match(err.message, retried);

    // Answers the first poll (the cursor), then turns every poll away.
    let polls = 0;
    const url = await listen(
      createHttpServer((req, res) => {
        req.resume();
        if (++polls === 1) return res.writeHead(200).end('{"cursor":0,"records":[]}');
        res.writeHead(429, { 'retry-after': '7' }).end();
      }),
    );
    const seen: { why: string; kind: ErrorKind }[] = [];
    const sub = await pollPattern.subscribe!({
      ...ctxBase,
      url,
      options: pollPattern.options.parse({ interval: '20ms' }),
      deliver: () => undefined,
      invalid: (why, kind = 'protocol') => void seen.push({ why, kind }),
    });
    const until = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await sub.close();
    assert.ok(seen.length >= 2, `${polls} polls, ${seen.length} reported`);
    assert.equal(seen[0]?.kind, 'rejected');
    assert.match(seen[0]?.why ?? '', retried);
  });

  it('sse: a reconnect answered 503 is a rejected window error, not a silent end of the stream', async () => {
    let streams = 0;
    const url = await listen(
      createHttpServer((req, res) => {
        req.resume();
        if (++streams > 1) return res.writeHead(503, { 'retry-after': '7' }).end();
        // The first stream opens, asks for a quick reconnect, and ends.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('retry: 20\n\n');
      }),
    );
    const seen: { why: string; kind: ErrorKind }[] = [];
    const sub = await ssePattern.subscribe!({
      ...ctxBase,
      url,
      options: ssePattern.options.parse({}),
      deliver: () => undefined,
      invalid: (why, kind = 'protocol') => void seen.push({ why, kind }),
    });
    const until = Date.now() + 5000;
    while (seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await sub.close();
    assert.equal(seen[0]?.kind, 'rejected', `${streams} streams: ${JSON.stringify(seen)}`);
    assert.match(seen[0]?.why ?? '', /HTTP 503 on GET \/events \(reconnecting\)/);
  });
});
