import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket, type RawData } from 'ws';
import { makeRecord, recordsEqual, withSeq, type EchoRecord } from '../../src/message.js';
import { echoesSubscription, publishMutation } from '../../src/patterns/graphql-ws/schema.js';
import { loadPattern } from '../../src/patterns/registry.js';
import type { SseSubscription } from '../../src/patterns/sse/client.js';
import type { RunningServer, Subscription } from '../../src/toolkit/contract.js';

/**
 * Each push server spoken to by a client the pattern's code did not write: plain fetch for sse and
 * poll, raw `ws` sockets (with the graphql-transport-ws messages typed out) for websocket and
 * graphql-ws. And SSE's promise checked: after the server drops the streams, EventSource
 * reconnects, resumes from Last-Event-ID, and nothing is lost or repeated.
 */

async function start(name: string, options: Record<string, unknown> = {}): Promise<RunningServer> {
  const pattern = await loadPattern(name);
  return pattern.startServer({
    host: '127.0.0.1',
    port: 0,
    options: pattern.options.parse(options),
    delayMs: 0,
  });
}

const record = (seq: number): EchoRecord => withSeq(makeRecord(200), seq);

async function post(url: string, body: EchoRecord): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 200);
  return res.json();
}

/** Reads an event stream with fetch until `count` events arrived; returns them and the raw fields seen. */
async function readEvents(
  url: string,
  count: number,
  headers: Record<string, string> = {},
  whenOpen: () => Promise<void> = async () => {},
): Promise<{ events: { id: string; data: string }[]; fields: string[] }> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: { id: string; data: string }[] = [];
  const fields: string[] = [];
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  assert.ok(reader);
  let buffer = '';
  let opened = false;
  while (events.length < count) {
    if (!opened) {
      opened = true;
      void whenOpen();
    }
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { id: '', data: '' };
      for (const line of block.split('\n')) {
        const [field = '', ...rest] = line.split(':');
        fields.push(field);
        const value = rest.join(':').replace(/^ /, '');
        if (field === 'id') event.id = value;
        if (field === 'data') event.data = value;
      }
      if (event.data) events.push(event);
    }
  }
  controller.abort();
  return { events, fields };
}

describe('sse interop (fetch)', () => {
  let server: RunningServer;
  before(async () => {
    server = await start('sse', { retry: '250ms' });
  });
  after(() => server.stop());

  it('fetch reads the stream: retry, then id = seq and data = the record', async () => {
    const { events, fields } = await readEvents(`${server.url}/events`, 2, {}, async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await post(`${server.url}/publish`, record(11)), { seq: 11 });
      assert.deepEqual(await post(`${server.url}/publish`, record(12)), { seq: 12 });
    });
    assert.equal(fields[0], 'retry');
    assert.deepEqual(
      events.map((e) => e.id),
      ['11', '12'],
    );
    assert.ok(recordsEqual(JSON.parse(events[1]?.data ?? '{}') as EchoRecord, record(12)));
  });

  it('Last-Event-ID resumes after that event, from the replay buffer', async () => {
    const { events } = await readEvents(`${server.url}/events`, 1, { 'last-event-id': '11' });
    assert.deepEqual(
      events.map((e) => e.id),
      ['12'],
    );
  });

  it('a publish that is not a record is refused', async () => {
    const res = await fetch(`${server.url}/publish`, { method: 'POST', body: 'nope' });
    assert.equal(res.status, 400);
  });
});

describe('sse reconnection', () => {
  it('streams dropped every 150 ms: EventSource reconnects and resumes, nothing lost or repeated', async () => {
    const pattern = await loadPattern('sse');
    const options = pattern.options.parse({ dropEvery: '150ms', retry: '20ms' });
    const server = await pattern.startServer({ host: '127.0.0.1', port: 0, options, delayMs: 0 });
    const received: number[][] = [[], []];
    const subscriptions = (await Promise.all(
      received.map((into, index) =>
        pattern.subscribe?.({
          url: new URL(server.url),
          options,
          index,
          timeoutMs: 5000,
          deliver: (seq) => into.push(seq),
        }),
      ),
    )) as SseSubscription[];
    try {
      const sent: number[] = [];
      for (let seq = 0; seq < 80; seq++) {
        await post(`${server.url}/publish`, record(seq));
        sent.push(seq);
        await new Promise((resolve) => setTimeout(resolve, 8));
      }
      const deadline = performance.now() + 3000;
      while (received.some((r) => r.length < sent.length) && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const [i, seqs] of received.entries()) assert.deepEqual(seqs, sent, `subscriber ${i}`);
      for (const s of subscriptions) {
        assert.ok(s.reconnects.length >= 2, `reconnected ${s.reconnects.length} times`);
        for (const ms of s.reconnects) assert.ok(ms >= 15 && ms < 1000, `reconnect took ${ms.toFixed(1)} ms`);
      }
    } finally {
      await Promise.all(subscriptions.map((s: Subscription) => s.close()));
      await server.stop();
    }
  });
});

describe('poll interop (fetch)', () => {
  it('GET /updates gives the cursor; ?since=cursor gives what was published after it', async () => {
    const server = await start('poll');
    try {
      const first = (await (await fetch(`${server.url}/updates`)).json()) as {
        cursor: number;
        records: unknown[];
      };
      assert.deepEqual(first.records, []);
      await post(`${server.url}/publish`, record(1));
      await post(`${server.url}/publish`, record(2));
      const next = (await (await fetch(`${server.url}/updates?since=${first.cursor}`)).json()) as {
        cursor: number;
        records: EchoRecord[];
      };
      assert.equal(next.cursor, first.cursor + 2);
      assert.deepEqual(
        next.records.map((r) => r.seq),
        [1, 2],
      );
      const empty = (await (await fetch(`${server.url}/updates?since=${next.cursor}`)).json()) as {
        records: unknown[];
      };
      assert.deepEqual(empty.records, []);
    } finally {
      await server.stop();
    }
  });
});

function open(url: string, protocol?: string): Promise<{ socket: WebSocket; messages: string[] }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocol);
    const messages: string[] = [];
    socket.on('message', (data: RawData) => messages.push(data.toString()));
    socket.once('error', reject);
    socket.once('open', () => resolve({ socket, messages }));
  });
}

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = performance.now() + 3000;
  while (!check() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check(), 'in time');
}

describe('websocket interop (raw ws)', () => {
  it('/publish acks {"seq"} and every /subscribe socket gets the text; /echo echoes', async () => {
    const server = await start('websocket');
    const sockets: WebSocket[] = [];
    try {
      const subscribers = await Promise.all([0, 1].map(() => open(`${server.url}/subscribe`)));
      const publisher = await open(`${server.url}/publish`);
      const echo = await open(`${server.url}/echo`);
      sockets.push(...subscribers.map((s) => s.socket), publisher.socket, echo.socket);
      const text = JSON.stringify(record(7));
      publisher.socket.send(text);
      echo.socket.send(text);
      await waitFor(() => publisher.messages.length === 1 && echo.messages.length === 1);
      await waitFor(() => subscribers.every((s) => s.messages.length === 1));
      assert.deepEqual(JSON.parse(publisher.messages[0] ?? ''), { seq: 7 });
      assert.equal(echo.messages[0], text);
      for (const s of subscribers) assert.equal(s.messages[0], text);
    } finally {
      for (const s of sockets) s.terminate();
      await server.stop();
    }
  });
});

describe('graphql-ws interop (raw ws, graphql-transport-ws messages)', () => {
  it('connection_init/ack, subscribe → next {echoes: null} then the published record; mutation → next + complete', async () => {
    const server = await start('graphql-ws');
    const sockets: WebSocket[] = [];
    try {
      const sub = await open(server.url, 'graphql-transport-ws');
      const pub = await open(server.url, 'graphql-transport-ws');
      sockets.push(sub.socket, pub.socket);
      assert.equal(sub.socket.protocol, 'graphql-transport-ws');
      for (const c of [sub, pub]) c.socket.send(JSON.stringify({ type: 'connection_init' }));
      await waitFor(() => sub.messages.length === 1 && pub.messages.length === 1);
      assert.deepEqual(JSON.parse(sub.messages[0] ?? ''), { type: 'connection_ack' });
      sub.socket.send(
        JSON.stringify({ id: 's1', type: 'subscribe', payload: { query: echoesSubscription } }),
      );
      await waitFor(() => sub.messages.length === 2);
      assert.deepEqual(JSON.parse(sub.messages[1] ?? ''), {
        id: 's1',
        type: 'next',
        payload: { data: { echoes: null } },
      });
      const published = record(42);
      pub.socket.send(
        JSON.stringify({
          id: 'p1',
          type: 'subscribe',
          payload: { query: publishMutation, variables: { record: published } },
        }),
      );
      await waitFor(() => pub.messages.length === 3 && sub.messages.length === 3);
      assert.deepEqual(
        pub.messages.slice(1).map((m) => JSON.parse(m) as unknown),
        [
          { id: 'p1', type: 'next', payload: { data: { publish: 42 } } },
          { id: 'p1', type: 'complete' },
        ],
      );
      const delivered = JSON.parse(sub.messages[2] ?? '') as { payload: { data: { echoes: EchoRecord } } };
      assert.ok(recordsEqual(delivered.payload.data.echoes, published));
    } finally {
      for (const s of sockets) s.terminate();
      await server.stop();
    }
  });
});
