import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxResponseBytes } from '../../toolkit/contract.js';
import { ResponseParser } from './net-client.js';

interface Seen {
  status: number;
  body: string;
  close: boolean;
}

function parse(chunks: readonly Buffer[]): { responses: Seen[]; errors: string[] } {
  const responses: Seen[] = [];
  const errors: string[] = [];
  const parser = new ResponseParser({
    // The body may point into a reused read buffer: read it now, as the client does.
    response: (status, body, close) => responses.push({ status, body: body.toString(), close }),
    error: (message) => errors.push(message),
  });
  for (const c of chunks) parser.push(c);
  return { responses, errors };
}

/** Every way of cutting `text` in two, plus one byte per chunk. */
function splits(text: string): Buffer[][] {
  const all = Buffer.from(text, 'latin1');
  const out: Buffer[][] = [[all]];
  for (let i = 1; i < all.length; i++) out.push([all.subarray(0, i), all.subarray(i)]);
  out.push([...all].map((b) => Buffer.from([b])));
  return out;
}

const fixed = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCONTENT-LENGTH: 11\r\n\r\n{"seq":123}';
const chunked =
  'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: keep-alive\r\n\r\n' +
  '4\r\n{"se\r\n7;ext=1\r\nq":123}\r\n0\r\n\r\n';
const closing = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\ncontent-length: 0\r\n\r\n';

describe('rest net client: HTTP/1.1 response parser', () => {
  it('reads Content-Length, chunked and empty responses however the bytes are cut', () => {
    for (const chunks of splits(fixed + chunked + closing)) {
      const { responses, errors } = parse(chunks);
      assert.deepEqual(errors, []);
      assert.deepEqual(responses, [
        { status: 200, body: '{"seq":123}', close: false },
        { status: 200, body: '{"seq":123}', close: false },
        { status: 404, body: '', close: true },
      ]);
    }
  });

  it('skips a 1xx interim response and treats HTTP/1.0 as closing', () => {
    const { responses } = parse([
      Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    ]);
    assert.deepEqual(responses, [{ status: 200, body: 'ok', close: true }]);
  });

  it('fails on what it cannot frame: no status line, no length, a bad chunk size', () => {
    assert.equal(parse([Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')]).errors.length, 1);
    assert.match(parse([Buffer.from('HTTP/1.1 200 OK\r\n\r\nbody')]).errors[0] ?? '', /Content-Length/);
    assert.match(
      parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')]).errors[0] ?? '',
      /chunk size/,
    );
  });
});

describe('rest net client: responses over maxResponseBytes', () => {
  const oversizeOf = (chunks: readonly Buffer[]): { kind?: string; message?: string; responses: number } => {
    let seen: { kind?: string; message?: string } = {};
    let responses = 0;
    const parser = new ResponseParser({
      response: () => responses++,
      error: (message, oversize) =>
        (seen = { kind: oversize?.kind ?? 'protocol', message: oversize?.message ?? message }),
    });
    for (const c of chunks) parser.push(c);
    return { ...seen, responses };
  };

  it('a Content-Length over the bound fails at the head, before any body is read', () => {
    const r = oversizeOf([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${maxResponseBytes + 1}\r\n\r\n`)]);
    assert.equal(r.kind, 'oversize');
    assert.match(r.message ?? '', /response of 67,108,865 bytes, more than the 64 MiB a client reads/);
  });

  it('a chunked body fails once it passes the bound, and stops keeping what arrived', () => {
    const data = Buffer.alloc(1024 * 1024, 0x61);
    const chunk = Buffer.concat([Buffer.from('100000\r\n'), data, Buffer.from('\r\n')]);
    const chunks = [Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n')];
    for (let i = 0; i < 65; i++) chunks.push(chunk);
    const r = oversizeOf(chunks);
    assert.equal(r.kind, 'oversize');
    assert.match(r.message ?? '', /response over 68,157,440 bytes/);
    assert.equal(r.responses, 0);
  });
});
