/**
 * Source addresses: one source address has ~28,000 loopback ports (ip_local_port_range), so more
 * connections than that to one server port run out of them. Loopback is all of 127.0.0.0/8: the
 * driver binds connection i to 127.0.0.(1 + ⌊i / perAddress⌋) before connecting, which gives each
 * address its own ports. Only for IPv4 loopback targets, and only past the first address's share.
 */

/** Connections bound to one source address, well below the ~28k ports of the default range. */
export const connectionsPerSourceAddress = 20_000;

/** Most source addresses (127.0.0.1 … 127.0.0.254). */
export const maxSourceAddresses = 254;
const maxAddresses = maxSourceAddresses;

/** True when connections to `url` are spread over source addresses (IPv4 loopback). */
export function isLoopbackV4(url: URL): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(url.hostname) || url.hostname === 'localhost';
}

/**
 * The source address connection `index` (among all of a case's, every driver's) binds to, or
 * undefined when it connects from wherever the kernel picks (the first `perAddress`, and any
 * target that is not IPv4 loopback).
 */
export function sourceAddress(
  url: URL,
  index: number,
  perAddress: number = connectionsPerSourceAddress,
): string | undefined {
  const slot = Math.floor(index / perAddress);
  if (slot === 0 || !isLoopbackV4(url)) return undefined;
  return `127.0.0.${1 + (slot % maxAddresses)}`;
}

/** How many source addresses `connections` to `url` use (1 when they are not spread). */
export function sourceAddressCount(
  url: URL,
  connections: number,
  perAddress: number = connectionsPerSourceAddress,
): number {
  if (!isLoopbackV4(url) || connections <= 0) return 1;
  return Math.min(maxAddresses, Math.ceil(connections / perAddress));
}

/** The client context field that binds connection `index` to its source address (none when it is not spread). */
export function sourceBinding(url: URL, index: number, perAddress?: number): { localAddress?: string } {
  const address = sourceAddress(url, index, perAddress);
  return address === undefined ? {} : { localAddress: address };
}
