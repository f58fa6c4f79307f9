import { connect, type ClientHttp2Session, type SecureClientSessionOptions } from 'node:http2';
import { OpError, type ClientContext } from './contract.js';

/**
 * Opens an HTTP/2 session to `origin` (`options.createConnection` makes its socket) and resolves
 * once it is connected, TLS handshake included. It rejects with a 'timeout' OpError when that takes
 * longer than ctx.timeoutMs, and with `problem(err)` on a connection error; either way the session
 * is destroyed. The resolved session has no 'error' listener left: the caller adds its own.
 */
export function openHttp2Session(
  origin: string,
  options: SecureClientSessionOptions,
  ctx: Pick<ClientContext<unknown>, 'url' | 'timeoutMs'>,
  problem: (err: Error) => OpError,
): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(origin, options);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new OpError('timeout', `no connection to ${ctx.url.host} within ${ctx.timeoutMs} ms`));
    }, ctx.timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      session.destroy();
      reject(problem(err));
    };
    session.once('error', onError);
    session.once('connect', () => {
      clearTimeout(timer);
      session.off('error', onError);
      resolve(session);
    });
  });
}
