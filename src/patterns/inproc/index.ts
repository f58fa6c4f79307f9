import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `inproc` pattern (scenario `options:`). */
export const inprocOptions = z.strictObject({
  /**
   * `json`: the caller serializes the record and the handler parses it and serializes its answer,
   * exactly the work of the rest echo server and client, minus the network. `none`: a plain
   * function call that passes the record by reference (a monolith's module boundary). `protobuf`:
   * the same work as `json` with the gRPC echo's protobuf codec (commbench.echo.v1.EchoRecord):
   * serialization alone, without transport or library, in one process.
   */
  serialize: z.enum(['json', 'protobuf', 'none']).default('json'),
});
export type InprocOptions = z.output<typeof inprocOptions>;

/**
 * The monolith baseline: the echo handler called as a function in the driver process, no network
 * per call. Its "server" is a placeholder process that only hands the client the handler's
 * settings (the injected delay) on connect and stands for the monolith being up: when it stops,
 * pending and later calls fail with 'connection'. Payload bytes: the JSON request and response
 * (0 with `serialize: none`). Endpoint: inproc://host:port of the placeholder.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default requestPattern(inprocOptions, server, client);
