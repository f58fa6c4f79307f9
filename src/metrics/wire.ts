import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/**
 * Counts bytes read and written by every client socket this thread opens, whatever library opened
 * it (node:diagnostics_channel 'net.client.socket' sees net.connect from undici, grpc-js, ws, ...).
 * Totals cover a window: `start()` takes a baseline, `read()` returns bytes since then, including
 * sockets that opened or closed during the window.
 */
export class WireMeter {
  readonly #sockets = new Map<Socket, { read: number; written: number }>();
  #closedRead = 0;
  #closedWritten = 0;
  readonly #onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    this.#sockets.set(socket, { read: 0, written: 0 });
    socket.once('close', () => {
      const base = this.#sockets.get(socket);
      if (!base) return;
      this.#closedRead += socket.bytesRead - base.read;
      this.#closedWritten += socket.bytesWritten - base.written;
      this.#sockets.delete(socket);
    });
  };

  constructor() {
    diagnosticsChannel.subscribe('net.client.socket', this.#onSocket);
  }

  /** Starts a new window: bytes before now are not counted. */
  start(): void {
    this.#closedRead = 0;
    this.#closedWritten = 0;
    for (const [socket, base] of this.#sockets) {
      base.read = socket.bytesRead;
      base.written = socket.bytesWritten ?? 0;
    }
  }

  /** Bytes read and written since start(). */
  read(): { read: number; written: number } {
    let read = this.#closedRead;
    let written = this.#closedWritten;
    for (const [socket, base] of this.#sockets) {
      read += socket.bytesRead - base.read;
      written += (socket.bytesWritten ?? 0) - base.written;
    }
    return { read, written };
  }

  dispose(): void {
    diagnosticsChannel.unsubscribe('net.client.socket', this.#onSocket);
    this.#sockets.clear();
  }
}
