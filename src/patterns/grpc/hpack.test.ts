import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeHeaderBlock, HpackDecoder, HpackError, huffmanDecode } from './hpack.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decode(decoder: HpackDecoder, block: Buffer): [string, string][] {
  const out: [string, string][] = [];
  decoder.decode(block, { header: (name, value) => out.push([name, value]) });
  return out;
}

describe('hpack', () => {
  it('decodes Huffman strings (RFC 7541 C.4.1) and rejects bad padding and EOS', () => {
    assert.equal(huffmanDecode(hex('f1e3c2e5f23a6ba0ab90f4ff'), 0, 12), 'www.example.com');
    assert.equal(huffmanDecode(hex('a8eb10649cbf'), 0, 6), 'no-cache');
    // Padding of 8 bits, and padding that is not all ones.
    assert.throws(() => huffmanDecode(hex('f1e3c2e5f23a6ba0ab90f4ffff'), 0, 13), HpackError);
    assert.throws(() => huffmanDecode(hex('f1e3c2e5f23a6ba0ab90f4fe'), 0, 12), HpackError);
    assert.throws(() => huffmanDecode(hex('ffffffff'), 0, 4), HpackError);
  });

  it('decodes the requests of RFC 7541 C.4 (Huffman) with the dynamic table', () => {
    const d = new HpackDecoder();
    assert.deepEqual(decode(d, hex('828684418cf1e3c2e5f23a6ba0ab90f4ff')), [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ]);
    assert.deepEqual(decode(d, hex('828684be5886a8eb10649cbf')), [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ]);
    assert.deepEqual(d.entries, [
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ]);
  });

  it('decodes the responses of RFC 7541 C.6 (Huffman, table size 256: evictions)', () => {
    const d = new HpackDecoder(256);
    const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
    assert.deepEqual(
      decode(
        d,
        hex(`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
             2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`),
      ),
      [
        [':status', '302'],
        ['cache-control', 'private'],
        ['date', date1],
        ['location', 'https://www.example.com'],
      ],
    );
    assert.deepEqual(decode(d, hex('4883 640e ff c1 c0 bf')), [
      [':status', '307'],
      ['cache-control', 'private'],
      ['date', date1],
      ['location', 'https://www.example.com'],
    ]);
    assert.deepEqual(
      decode(
        d,
        hex(`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
             77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
             9587 3160 65c0 03ed 4ee5 b106 3d50 07`),
      ),
      [
        [':status', '200'],
        ['cache-control', 'private'],
        ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
        ['location', 'https://www.example.com'],
        ['content-encoding', 'gzip'],
        ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
      ],
    );
    assert.deepEqual(d.entries, [
      ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
      ['content-encoding', 'gzip'],
      ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
    ]);
  });

  it('applies table size updates and rejects bad blocks', () => {
    const d = new HpackDecoder();
    decode(d, hex('418cf1e3c2e5f23a6ba0ab90f4ff')); // :authority www.example.com, indexed
    assert.equal(d.entries.length, 1);
    decode(d, hex('20')); // size update to 0 empties the table
    assert.equal(d.entries.length, 0);
    assert.throws(() => decode(d, hex('be')), HpackError); // index 62: not in the (empty) table
    assert.throws(() => decode(d, hex('3fe21f')), HpackError); // size update to 4097: over the limit
    assert.throws(() => decode(d, hex('828420')), HpackError); // size update after a field
    assert.throws(() => decode(d, hex('4188f1e3')), HpackError); // string past the end
  });

  it('encodes a request block that decodes the same every time and never touches the table', () => {
    const fields: [string, string][] = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/commbench.echo.v1.Echo/Unary'],
      [':authority', '127.0.0.1:50051'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['grpc-timeout', `${'9'.repeat(8)}m`],
      ['x-long', 'v'.repeat(200)],
    ];
    const block = encodeHeaderBlock(fields);
    assert.equal(block[0], 0x83); // :method POST indexed
    assert.equal(block[1], 0x86); // :scheme http indexed
    const d = new HpackDecoder();
    assert.deepEqual(decode(d, block), fields);
    assert.deepEqual(decode(d, block), fields);
    assert.equal(d.entries.length, 0);
  });
});
