import { OpError, type PatternClient } from '../../toolkit/contract.js';

/** One open connection: its client, and when its socket has closed. */
export interface Connection {
  readonly client: PatternClient;
  /** Resolves once the socket has closed, whoever closed it. */
  readonly closed: Promise<void>;
}

/**
 * A client that opens a new connection (`open`) for the next operation once the current socket has
 * closed, as the rest clients open a new keep-alive socket: a server that closes a socket (a
 * restart, a 1011) costs the operations in flight then (each counted as an error), not every
 * operation for the rest of the run. The first `open` rejects as before; a failed reopen rejects
 * the operation that asked for it, and the next operation tries again.
 */
export async function reconnecting(open: () => Promise<Connection>): Promise<PatternClient> {
  let current = await open();
  let dead = false;
  let closing = false;
  let opening: Promise<Connection> | undefined;
  const watch = (c: Connection): void => {
    void c.closed.then(() => {
      if (current === c) dead = true;
    });
  };
  watch(current);
  const reopen = (): Promise<Connection> =>
    (opening ??= open()
      .then((c) => {
        if (closing) {
          void c.client.close();
          throw new OpError('connection', 'client closed');
        }
        current = c;
        dead = false;
        watch(c);
        return c;
      })
      .finally(() => {
        opening = undefined;
      }));
  return {
    send(msg, verify) {
      if (!dead) return current.client.send(msg, verify);
      if (closing) return Promise.reject(new OpError('connection', 'client closed'));
      return reopen().then((c) => c.client.send(msg, verify));
    },
    async close() {
      closing = true;
      await Promise.all([current.client.close(), opening?.catch(() => undefined)]);
    },
  };
}
