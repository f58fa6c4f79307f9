// Hostile servers for scripts/hostile-battery.mjs, on loopback, each written to break one assumption
// a client makes. Every server stops with the battery (close()); none sends faster than ~20 MB/s,
// except sse-endless, which writes with backpressure so a client reaches its 64 MiB bound in the window.
import { createHash } from 'node:crypto';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttp2 } from 'node:http2';
import { createServer as createNet } from 'node:net';
import { WebSocketServer } from 'ws';

/** Listens `server` on 127.0.0.1:0; resolves with its port. */
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** Tracks sockets so close() can end them (a server that never answers keeps them open). */
function tracked(server) {
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

function http(handler) {
  const server = createHttp({ keepAliveTimeout: 60_000 }, handler);
  return { server, close: tracked(server) };
}

function net(onSocket) {
  const server = createNet(onSocket);
  return { server, close: tracked(server) };
}

/** Drains a request body, then calls `then`. */
function drained(req, then) {
  req.resume();
  req.on('end', then);
}

/** Echo: answers every POST with its own body (what commbench's rest client expects). */
function echo(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
}

/** name → () => Promise<{ port, close }> */
export const hostileServers = {
  /** Echoes the first 200 requests, then answers only HTTP 500. */
  async 'then-500'() {
    let n = 0;
    const s = http((req, res) =>
      ++n <= 200 ? echo(req, res) : drained(req, () => res.writeHead(500).end('internal error')),
    );
    return { port: await listen(s.server), close: s.close };
  },
  /** Always HTTP 429 with Retry-After: 2. */
  async 'always-429'() {
    const s = http((req, res) =>
      drained(req, () => res.writeHead(429, { 'retry-after': '2' }).end('slow down')),
    );
    return { port: await listen(s.server), close: s.close };
  },
  /** Answers bytes that are not HTTP. */
  async garbage() {
    const s = net((socket) => socket.on('data', () => socket.write('\x00\xffNOT HTTP AT ALL\r\n\r\n')));
    return { port: await listen(s.server), close: s.close };
  },
  /** Sends response headers, then closes before the body. */
  async 'headers-then-close'() {
    const s = net((socket) =>
      socket.once('data', () =>
        socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"se'),
      ),
    );
    return { port: await listen(s.server), close: s.close };
  },
  /** Echoes the first 50 requests, then accepts and never answers. */
  async 'stops-answering'() {
    let n = 0;
    const s = http((req, res) => (++n <= 50 ? echo(req, res) : req.resume()));
    return { port: await listen(s.server), close: s.close };
  },
  /** Echoes the first 150 requests, then accepts and never answers (an open loop's stall). */
  async 'stops-answering-150'() {
    let n = 0;
    const s = http((req, res) => (++n <= 150 ? echo(req, res) : req.resume()));
    return { port: await listen(s.server), close: s.close };
  },
  /** HTTP/2 (h2c): gRPC calls get a message announced at 100 MiB, other requests Content-Length 1 GiB. */
  async 'h2-huge'() {
    const server = createHttp2();
    const sessions = new Set();
    server.on('session', (s) => {
      sessions.add(s);
      s.on('close', () => sessions.delete(s));
    });
    server.on('stream', (stream, headers) => {
      stream.on('error', () => undefined);
      stream.resume();
      if (String(headers['content-type']).startsWith('application/grpc')) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(100 * 1024 * 1024, 1);
        stream.write(prefix);
      } else {
        stream.respond({
          ':status': 200,
          'content-type': 'application/json',
          'content-length': String(2 ** 30),
        });
        stream.write('{"seq"');
      }
    });
    return {
      port: await listen(server),
      close: () =>
        new Promise((resolve) => {
          for (const s of sessions) s.destroy();
          server.close(() => resolve());
        }),
    };
  },
  /** WebSocket on raw TCP: the handshake, then a text frame announced at 80 MiB for the first message. */
  async 'ws-huge'() {
    const s = net((socket) => {
      socket.on('error', () => undefined);
      let open = false;
      socket.on('data', (data) => {
        if (open) {
          const h = Buffer.alloc(10);
          h[0] = 0x81;
          h[1] = 127;
          h.writeUInt32BE(80 * 1024 * 1024, 6);
          return socket.write(h);
        }
        const key = /sec-websocket-key:\s*(\S+)/i.exec(data.toString('latin1'))?.[1] ?? '';
        const accept = createHash('sha1')
          .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        open = true;
      });
    });
    return { port: await listen(s.server), close: s.close };
  },
  /** Accepts connections and reads, never writes a byte. */
  async silent() {
    const s = net((socket) => socket.resume());
    return { port: await listen(s.server), close: s.close };
  },
  /** A body without end: chunked, ~20 MB/s, until the client goes. */
  async 'endless-body'() {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const s = http((req, res) =>
      drained(req, () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          for (let i = 0; i < 16; i++) res.write(chunk);
        }, 50);
        res.on('close', () => clearInterval(timer));
      }),
    );
    return { port: await listen(s.server), close: s.close };
  },
  /** Plain HTTP/1.1 answering 200 "ok" (a wrong-protocol target for h2c, TLS, WebSocket). */
  async http1() {
    const s = http((req, res) => drained(req, () => res.end('ok')));
    return { port: await listen(s.server), close: s.close };
  },
  /** WebSocket: echoes 20 messages per socket, then closes it with 1011. */
  async 'ws-1011'() {
    const server = createHttp();
    const wss = new WebSocketServer({ server });
    wss.on('error', () => undefined);
    wss.on('connection', (socket) => {
      let n = 0;
      socket.on('message', (data, binary) => {
        socket.send(data, { binary });
        if (++n === 20) socket.close(1011, 'internal error');
      });
    });
    const close = tracked(server);
    return {
      port: await listen(server),
      close: () => {
        for (const c of wss.clients) c.terminate();
        return close();
      },
    };
  },
  /** SSE: a stream of lines that are not events commbench published (invalid fields, no JSON). */
  async 'sse-invalid'() {
    const s = http((req, res) => {
      if (req.method === 'POST') {
        // Publishes are acked properly ({"seq":N}); only the event stream is hostile.
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        return req.on('end', () => {
          let seq = 0;
          try {
            seq = JSON.parse(Buffer.concat(chunks).toString()).seq;
          } catch {
            // not a record: ack 0
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ seq }));
        });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: {not json\n\n:comment\nbogus line\n\n'), 20);
      res.on('close', () => clearInterval(timer));
    });
    return { port: await listen(s.server), close: s.close };
  },
  /** SSE: publishes acked; the event stream is one event without end ('data: aaaa…'), as fast as read. */
  async 'sse-endless'() {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const s = http((req, res) => {
      if (req.method === 'POST') {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        return req.on('end', () => {
          let seq = 0;
          try {
            seq = JSON.parse(Buffer.concat(chunks).toString()).seq;
          } catch {
            // not a record: ack 0
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ seq }));
        });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('retry: 200\n\ndata: ');
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    return { port: await listen(s.server), close: s.close };
  },
  /** A TCP listener that holds a port, answering nothing (a port that is taken). */
  async 'taken-port'() {
    const s = net((socket) => socket.destroy());
    return { port: await listen(s.server), close: s.close };
  },
};
