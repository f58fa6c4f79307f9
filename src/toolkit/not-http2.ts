/**
 * Naming a server that does not speak HTTP/2 when an h2c client meets one: node:http2 says only
 * 'Protocol error' and grpc-js 'TRANSIENT_FAILURE'; every h2c client says instead what the server
 * answered ('… is not an HTTP/2 (h2c) server: … answered HTTP/1'). No node:http2 here, so the lean
 * frames client can share it.
 */
import { connect as netConnect } from 'node:net';
import { OpError, toOpError, type PatternClient } from './contract.js';

/** The HTTP/2 client connection preface and an empty SETTINGS frame (RFC 9113 §3.4). */
const h2Preface = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
]);

/**
 * What the first bytes a server sent instead of an HTTP/2 SETTINGS frame say it speaks, as one line
 * ('127.0.0.1:8080 is not an HTTP/2 (h2c) server: it answered HTTP/1 ("HTTP/1.1 400 Bad Request")'),
 * or undefined when they are a SETTINGS frame. Shared by every h2c client, so all say it alike.
 */
export function notHttp2Answer(host: string, first: Buffer): string | undefined {
  if (first.length >= 5 && first[3] === 4 && first[4] === 0) return undefined;
  const head = `${host} is not an HTTP/2 (h2c) server: it did not start with SETTINGS`;
  if (first.length >= 3 && (first[0] === 0x15 || first[0] === 0x16) && first[1] === 0x03)
    return `${head} but answered TLS: use https:// (or grpcs://) for it`;
  const text = first.subarray(0, 64).toString('latin1');
  const line = JSON.stringify(text.split(/\r?\n/)[0]!.slice(0, 40));
  if (text.startsWith('HTTP/1')) return `${head} but answered HTTP/1 (${line})`;
  if (/^[\t\r\n\x20-\x7e]+$/.test(text)) return `${head} but answered HTTP/1 in plain text (${line})`;
  return `${head} (it sent ${first.length} bytes that are not HTTP/2 frames)`;
}

/**
 * Asks host:port what it speaks after an h2c exchange failed (node:http2's bare 'Protocol error',
 * grpc-js's TRANSIENT_FAILURE): sends the HTTP/2 preface in plain text and reads the first answer.
 * Resolves with notHttp2Answer's line, or with one for a server that closes without a word, or
 * undefined when it answers HTTP/2, cannot be reached or says nothing within `timeoutMs` (the
 * original error then stands).
 */
export function probeNotHttp2(url: URL, timeoutMs = 1000): Promise<string | undefined> {
  const port = Number(url.port || 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    let connected = false;
    const socket = netConnect({ host, port }, () => {
      connected = true;
      socket.write(h2Preface);
    });
    const done = (answer: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 9 || got.includes(0x0a)) done(notHttp2Answer(url.host, got));
    });
    socket.on('error', () => done(undefined));
    socket.on('end', () =>
      done(
        got.length > 0
          ? notHttp2Answer(url.host, got)
          : connected
            ? `${url.host} is not an HTTP/2 (h2c) server: it closed the connection without answering the HTTP/2 preface`
            : undefined,
      ),
    );
  });
}

/**
 * `err` (a failure to connect or to get a first answer from an h2c server) explained when the
 * server does not speak HTTP/2 at all (probeNotHttp2): node:http2 says only 'Protocol error' and
 * grpc-js 'TRANSIENT_FAILURE'. Errors other than 'protocol' and 'connection' are returned as they are.
 */
export async function whyNotHttp2(
  err: unknown,
  url: URL,
  probe = () => probeNotHttp2(url),
): Promise<OpError> {
  const op = toOpError(err);
  if (op.kind !== 'protocol' && op.kind !== 'connection') return op;
  const why = await probe();
  return why === undefined ? op : new OpError('protocol', why, { cause: op });
}

/**
 * `client` of an h2c server `url` whose failures before its first success are explained by
 * whyNotHttp2 (the server asked once). After a success the server has shown it speaks HTTP/2 and
 * `send` is the client's own again: nothing is added to the hot path.
 */
export function explainingNotHttp2(client: PatternClient, url: URL): PatternClient {
  let asked: Promise<string | undefined> | undefined;
  const probe = (): Promise<string | undefined> => (asked ??= probeNotHttp2(url));
  const wrapped: PatternClient = {
    send: (msg, verify) =>
      client.send(msg, verify).then(
        () => {
          wrapped.send = (m, v) => client.send(m, v);
        },
        async (err: unknown) => {
          throw await whyNotHttp2(err, url, probe);
        },
      ),
    close: () => client.close(),
  };
  return wrapped;
}
