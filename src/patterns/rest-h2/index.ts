import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `rest-h2` pattern (scenario `options:`); the server and the client read the same. */
export const restH2Options = z.strictObject({
  /** Request path of the echo endpoint. */
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'an absolute path without query, e.g. /echo')
    .default('/echo'),
  /** Server: TLS (h2 over ALPN) with a self-signed certificate generated at start-up; false = h2c. */
  tls: z.boolean().default(false),
  /** Server: SETTINGS_MAX_CONCURRENT_STREAMS per connection; 0 = node's default (unlimited). */
  maxConcurrentStreams: z.int().min(0).default(0),
});
export type RestH2Options = z.output<typeof restH2Options>;

/**
 * HTTP/2 + JSON: `POST <path>` with the record as the body, as `rest` does over HTTP/1.1. The server
 * is node:http2 (core stream API), h2c by prior knowledge, or TLS with a certificate generated at
 * start-up (the server's URL then carries its SHA-256 fingerprint, `https://host:port/#sha256=<hex>`,
 * and the client pins it; an https URL without one is verified against the system CAs).
 *
 * The client is one node:http2 session per connection. Streams per connection = the load's
 * `inFlight`: a client keeps that many requests outstanding as concurrent streams on its one
 * connection (where `rest` pipelines them behind each other), so `connections × inFlight` reads
 * as connections × streams. Payload bytes = request and response bodies; wire bytes include the
 * TLS records when `tls` is on. With a `request` block it sends the user's own request (see rest).
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(restH2Options, server, client);
