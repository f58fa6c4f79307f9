import type { AddressInfo, Server } from 'node:net';

/** Listens on host:port (0 = any free port); rejects on error (e.g. EADDRINUSE). */
export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** 'http', {address: '::1', port: 80} → 'http://[::1]:80'. */
export function urlOf(scheme: string, address: { address: string; port: number }): string {
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}
