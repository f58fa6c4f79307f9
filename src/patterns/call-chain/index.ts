import { z } from 'zod';
import { failHopOption } from '../../hops/fail.js';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `call-chain` pattern (scenario `options:`). */
export const callChainOptions = z
  .strictObject({
    /** Services in the chain, each its own process: caller → service 1 → … → service N (echo). */
    hops: z.int().min(1).max(16).default(1),
    /** How every hop calls the next: HTTP/1.1 + JSON (undici) or gRPC unary (protobuf). */
    via: z.enum(['rest', 'grpc']).default('rest'),
    /**
     * W3C Trace Context on every call: the caller starts a trace (`traceparent` header or gRPC
     * metadata), every hop requires it and sends a child onward, the last service answers
     * `traceresponse`, and the caller checks the trace-id came back (else the call is a mismatch).
     */
    traceContext: z.boolean().default(false),
    /**
     * Service `hop` is down from `at` (after the first call it received) for `for`: it answers every
     * call at once with an error (HTTP 503 / gRPC UNAVAILABLE), which reaches the caller through
     * every service before it (502 / UNAVAILABLE). The caller sees errors for the whole outage.
     */
    failHop: failHopOption.optional(),
  })
  .refine((o) => o.failHop === undefined || o.failHop.hop <= o.hops, {
    message: 'failHop.hop must be one of the hops (≤ hops)',
    path: ['failHop', 'hop'],
  });
export type CallChainOptions = z.output<typeof callChainOptions>;

/**
 * A synchronous chain of `hops` services. The server process is service 1; it forks services
 * 2..N as separate processes (each with its own socket, each exiting when its parent goes away),
 * and every service forwards the request to the next and answers with what came back, so the
 * caller waits for the whole chain. The last service answers the echo. `server.delay` is added by
 * every service. The client is the rest or grpc client with optional trace propagation.
 * Endpoint: http://host:port (via rest) or grpc://host:port (via grpc).
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(callChainOptions, server, client);
