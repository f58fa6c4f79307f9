import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { findNginx, startNginx } from '../../src/hops/nginx.js';

/**
 * The sse-proxy claim's "buffering on" case is real: a stream that asks nginx not to buffer
 * (`X-Accel-Buffering: no`, as the sse server does) is buffered anyway when the proxy says
 * buffering: true. Buffering shows when the client stops reading: nginx then takes the whole
 * response from the upstream (into memory and a temp file), so the upstream finishes writing;
 * without buffering the upstream stays blocked on the paused client. Ground truth: nginx, and a
 * stream server written here.
 */

const total = 32 * 1024 * 1024;

/** An event stream of 32 MiB written as fast as the proxy takes it; `finished` says when it was all taken. */
function streamServer(): Promise<{ server: Server; finished: () => boolean }> {
  let done = false;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-accel-buffering': 'no' });
    const chunk = `data: ${'x'.repeat(64 * 1024 - 8)}\n\n`;
    let sent = 0;
    const write = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end(() => (done = true));
    };
    write();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, finished: () => done })),
  );
}

/** Opens the stream through the proxy, reads the headers, stops reading; whether the upstream finished within 3 s. */
function upstreamFinishesWhilePaused(url: string, finished: () => boolean): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.pause();
      const started = Date.now();
      const check = setInterval(() => {
        if (finished() || Date.now() - started > 3000) {
          clearInterval(check);
          resolve(finished());
          req.destroy();
        }
      }, 50);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('nginx buffering for an event stream that asks for none', { timeout: 60_000 }, () => {
  it("buffering: true takes the whole stream from a paused client's upstream; buffering: false does not", async (t) => {
    if (!findNginx()) {
      if (process.env.CI === 'true') assert.fail('nginx not installed (apt-get install nginx)');
      return t.skip('nginx not installed: apt-get install nginx');
    }
    const finishes = async (buffering: boolean): Promise<boolean> => {
      const { server, finished } = await streamServer();
      const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const proxy = await startNginx('proxy', {
        host: '127.0.0.1',
        port: 0,
        upstream: target,
        proxy: { buffering },
      });
      try {
        return await upstreamFinishesWhilePaused(`${proxy.url}/`, finished);
      } finally {
        await proxy.stop();
        server.closeAllConnections();
        server.close();
      }
    };
    assert.equal(
      await finishes(false),
      false,
      'buffering off: the upstream finished although the client read nothing',
    );
    assert.equal(
      await finishes(true),
      true,
      'buffering on: nginx did not buffer the stream (the header was honoured?)',
    );
  });
});
