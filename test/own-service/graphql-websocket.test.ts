import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCase } from '../../src/engine/runner.js';
import type { RequestSpec } from '../../src/plan/request.js';
import { caseSpec } from '../engine/helpers.js';
import { startChatSocket, startGraphqlApi, type Counted } from './servers.js';

const short = {
  durationMs: 500,
  warmupMs: 0,
  load: { model: 'closed', connections: 2, inFlight: 2 },
} as const;

describe('graphql against an API with its own schema', () => {
  let api: Counted;
  before(async () => {
    api = await startGraphqlApi();
  });
  after(() => api.close());
  const place: RequestSpec = {
    query: 'mutation Place($item: String!, $qty: Int!) { placeOrder(item: $item, qty: $qty) { id item } }',
    variables: { item: 'book-{{seq}}', qty: 2 },
    operationName: 'Place',
    headers: { 'x-token': 'abc' },
  };
  const run = (target: string, request: RequestSpec) =>
    runCase(caseSpec({ pattern: 'graphql', ...short, target, request }));

  it('the right query: 0 errors, the server accepted at least every op', async () => {
    const before = api.accepted;
    const result = await run(`${api.url}/graphql`, place);
    assert.equal(result.status, 'ok', result.error?.message);
    const s = result.summary;
    assert.ok(s);
    assert.equal(s.errors.total, 0, JSON.stringify(s.errorSamples));
    assert.ok(s.ops > 20 && api.accepted - before >= s.ops, `server ${api.accepted - before}, ops ${s.ops}`);
  });

  const wrong: [string, string, RequestSpec, RegExp][] = [
    [
      'errors in the response',
      '/graphql',
      { ...place, variables: { item: 'x', qty: 0 } },
      /GraphQL error at placeOrder: qty must be at least 1/,
    ],
    [
      'a field the schema does not have',
      '/graphql',
      { ...place, query: '{ orders { id } }', operationName: undefined },
      /GraphQL error: Cannot query field "orders"/,
    ],
    ['a missing token', '/graphql', { ...place, headers: {} }, /HTTP 401 .*request\.auth/],
    ['a wrong path', '/gql', place, /HTTP 404 on POST \/gql/],
  ];
  for (const [what, path, request, message] of wrong) {
    it(`${what}: a protocol error with the reason`, async () => {
      const result = await run(`${api.url}${path}`, request);
      assert.equal(result.status, 'failed');
      assert.match(result.error?.message ?? '', message);
    });
  }
});

describe('websocket against a service with its own message format', () => {
  let chat: Counted;
  before(async () => {
    chat = await startChatSocket();
  });
  after(() => chat.close());
  const ping: RequestSpec = {
    headers: { 'x-token': 'abc' },
    subprotocol: 'chat.v1',
    message: '{"type":"ping","id":{{seq}}}',
    answer: { field: 'id' },
    expect: { bodyContains: '"pong"' },
  };
  const run = (target: string, request: RequestSpec) =>
    runCase(caseSpec({ pattern: 'websocket', ...short, target, request }));

  it('answers matched by a JSON field (ticks in between are ignored): 0 errors, server count ≥ ops', async () => {
    const before = chat.accepted;
    const result = await run(`${chat.url}/chat`, ping);
    assert.equal(result.status, 'ok', result.error?.message);
    const s = result.summary;
    assert.ok(s);
    assert.equal(s.errors.total, 0, JSON.stringify(s.errorSamples));
    assert.ok(
      s.ops > 20 && chat.accepted - before >= s.ops,
      `server ${chat.accepted - before}, ops ${s.ops}`,
    );
  });

  const wrong: [string, string, RequestSpec, RegExp][] = [
    ['a wrong path', '/ws', ping, /HTTP 404 on the WebSocket handshake to \/ws/],
    ['a missing token', '/chat', { ...ping, headers: {} }, /HTTP 401 .*request\.auth/],
    ['a wrong subprotocol', '/chat', { ...ping, subprotocol: 'chat.v2' }, /subprotocol/],
    [
      'a message the service does not understand (answer = next message)',
      '/chat',
      { ...ping, message: '{"type":"hello"}', answer: 'next' },
      /does not contain "\\"pong\\""/,
    ],
  ];
  for (const [what, path, request, message] of wrong) {
    it(`${what}: fails with the reason`, async () => {
      const result = await run(`${chat.url}${path}`, request);
      assert.equal(result.status, 'failed');
      assert.match(result.error?.message ?? '', message);
    });
  }
});
