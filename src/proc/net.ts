/** Ports for child servers: a free one to give them, and waiting until they accept connections. */
import { connect, createServer } from 'node:net';

/** A free TCP port on `host` (asked of the kernel, then released). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Rejects with the listen error (code EADDRINUSE, EACCES, EADDRNOTAVAIL…) when host:port cannot be
 * bound now; resolves when it can (the probe is released at once). For servers in other processes
 * (nginx) whose own bind failure would be hidden: a port someone else holds accepts connections too.
 */
export async function assertBindable(host: string, port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}

/** True when host:port accepts a TCP connection within `timeoutMs`. */
export function accepts(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls host:port every `intervalMs` until it accepts a connection ('accepting'), `timeoutMs` have
 * passed ('timeout'), or `abandon()` says the server is gone ('abandoned', e.g. it exited).
 */
export async function waitAccepting(
  host: string,
  port: number,
  opts: { timeoutMs: number; intervalMs?: number; abandon?: () => boolean },
): Promise<'accepting' | 'timeout' | 'abandoned'> {
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    if (opts.abandon?.()) return 'abandoned';
    if (await accepts(host, port)) return 'accepting';
    if (opts.abandon?.()) return 'abandoned';
    if (performance.now() > deadline) return 'timeout';
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 50));
  }
}
