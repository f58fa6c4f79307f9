import { z } from 'zod';
import { requestPattern } from '../../toolkit/lazy.js';

/** Options of the `gateway` pattern (scenario `options:`). */
export const gatewayOptions = z
  .strictObject({
    /** Services behind the gateway, each its own process (the rest echo service); calls go round-robin over them. */
    services: z.int().min(1).max(8).default(1),
    /** `gateway`: every call through one nginx gateway (service i at /s/i/); `direct`: each service called at its own address. */
    route: z.enum(['gateway', 'direct']).default('gateway'),
    /**
     * A fault in place for the whole run. `misconfigured`: the gateway's upstreams point at a port
     * nothing listens on (nginx runs and answers 502); `service-down`: service 2 (1 when alone) is
     * killed (SIGKILL) before the load starts.
     */
    fault: z.enum(['none', 'misconfigured', 'service-down']).default('none'),
    /** The gateway terminates TLS (client → gateway https, certificates made by openssl at start). */
    tls: z.boolean().default(false),
    /** The gateway checks a bearer token (401 without it); the client sends it. */
    auth: z.boolean().default(false),
    /** The gateway rate-limits every request (`limit_req`, a limit far above the load: it counts, never rejects). */
    rateLimit: z.boolean().default(false),
    /** The gateway writes an access log line per request. */
    log: z.boolean().default(false),
    /**
     * nginx processes a call passes in a row before the service (services: 1): the gateway, then
     * one in front of each further service it stands for (2 = gateway → nginx → service).
     */
    hops: z.int().min(1).max(4).default(1),
    /** Where the concerns (tls, auth, rateLimit, log) are applied: the gateway only, or every hop (TLS between hops too). */
    concernsAt: z.enum(['gateway', 'every-hop']).default('gateway'),
    /**
     * A second chain of nginx hops beside this one, in front of the same services, that the calls
     * alternate with (so both are measured over the same window and machine): `plain` with no
     * concerns, `once` with them at its gateway only. Its processes' roles start with 'reference'.
     */
    reference: z.enum(['none', 'plain', 'once']).default('none'),
  })
  .refine((o) => o.route === 'gateway' || (!o.tls && !o.auth && !o.rateLimit && !o.log && o.hops === 1), {
    message: 'tls, auth, rateLimit, log and hops apply to route: gateway',
    path: ['route'],
  })
  .refine((o) => o.route === 'gateway' || o.fault !== 'misconfigured', {
    message: "fault 'misconfigured' is the gateway's: it needs route: gateway",
    path: ['fault'],
  })
  .refine((o) => o.reference === 'none' || (o.route === 'gateway' && o.fault === 'none'), {
    message: 'a reference chain needs route: gateway and no fault',
    path: ['reference'],
  })
  .refine((o) => o.hops === 1 || o.services === 1, {
    message: 'hops > 1 needs services: 1',
    path: ['hops'],
  });
export type GatewayOptions = z.output<typeof gatewayOptions>;

/**
 * An API gateway: nginx (one process) in front of `services` rest echo services (each a forked
 * process), routing /s/i/echo to service i, optionally terminating TLS, checking a bearer token,
 * rate-limiting and logging; or the same services called directly (`route: direct`). A fault
 * (`misconfigured` gateway, a `service-down`) is in place for the whole run. The client spreads
 * its calls round-robin over the services. CPU: every service and nginx process is a helper.
 */
const server = () => import('./server.js');
const client = () => import('./client.js');
export default {
  ...requestPattern(gatewayOptions, server, client),
  injectsFault: (o: GatewayOptions) => o.fault !== 'none',
};
