/**
 * The `request` block of a scenario: what to send to the user's own service and what counts as a
 * good answer, for every request/response pattern (rest, rest-h2, graphql, grpc, websocket). Without
 * it a pattern talks to commbench's own echo servers. Cheap to import (zod only): the scenario
 * schema embeds it.
 *
 * String values may hold `${ENV:NAME}` (read from the driver's environment when the client
 * connects, never written to results) and, in bodies and messages, per-request templates
 * `{{seq}}`, `{{uuid}}`, `{{randInt a b}}` (see template.ts).
 */
import { z } from 'zod';

const HttpStatus = z.int().min(100).max(599);

export const Expect = z
  .strictObject({
    status: z
      .union([HttpStatus, z.array(HttpStatus).min(1)])
      .optional()
      .meta({ description: 'HTTP status (or list of statuses) that counts as success; default any 2xx' }),
    bodyContains: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'the response body must contain this text' }),
  })
  .meta({ id: 'Expect', description: 'what counts as a successful answer' });

export const Auth = z
  .union([
    z.strictObject({ bearer: z.string().min(1).meta({ description: 'token; e.g. ${ENV:API_TOKEN}' }) }),
    z.strictObject({
      basic: z.strictObject({ username: z.string(), password: z.string() }),
    }),
  ])
  .meta({ id: 'Auth', description: '{ bearer: TOKEN } or { basic: { username, password } }' });

export const Tls = z
  .strictObject({
    ca: z.string().optional().meta({ description: 'PEM file of the CA that signed the server certificate' }),
    cert: z.string().optional().meta({ description: 'client certificate PEM file (mutual TLS)' }),
    key: z.string().optional().meta({ description: 'client key PEM file (mutual TLS)' }),
    insecure: z.boolean().optional().meta({ description: 'do not verify the server certificate' }),
    servername: z.string().optional().meta({ description: 'TLS server name (SNI) if not the URL host' }),
  })
  .meta({ id: 'Tls', description: 'TLS settings for https://, wss:// and grpcs:// targets' });

const Json = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]);

export const RequestBlock = z
  .strictObject({
    method: z
      .string()
      .regex(/^[A-Za-z]+$/, 'an HTTP method, e.g. POST')
      .optional()
      .meta({ description: 'rest, rest-h2: HTTP method (default POST with a body, GET without)' }),
    headers: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .optional()
      .meta({ description: 'HTTP headers (websocket: handshake headers)' }),
    body: z
      .union([z.string(), Json])
      .optional()
      .meta({ description: 'rest, rest-h2: request body; an object is sent as JSON; templates allowed' }),
    bodyFile: z.string().optional().meta({ description: 'rest, rest-h2: file whose content is the body' }),
    bodies: z.string().optional().meta({
      description: 'rest, rest-h2: JSON-lines file, one body per line, used round-robin',
    }),
    expect: Expect.optional(),
    auth: Auth.optional(),
    tls: Tls.optional(),
    proto: z.string().optional().meta({ description: 'grpc: .proto file declaring the service' }),
    importPaths: z
      .array(z.string())
      .optional()
      .meta({ description: "grpc: folders the proto's imports are resolved from" }),
    call: z
      .string()
      .regex(/^[A-Za-z_][\w.]*\/\w+$/, 'package.Service/Method, e.g. helloworld.Greeter/SayHello')
      .optional()
      .meta({ description: 'grpc: package.Service/Method' }),
    message: z
      .union([z.string(), Json])
      .optional()
      .meta({ description: 'grpc: request message as JSON; websocket: the message to send' }),
    messageFile: z.string().optional().meta({ description: 'grpc, websocket: file holding the message' }),
    metadata: z.record(z.string(), z.string()).optional().meta({ description: 'grpc: call metadata' }),
    streamMessages: z.int().min(1).max(100_000).optional().meta({
      description: 'grpc client-stream / bidi: messages sent per call (default 1)',
    }),
    query: z.string().optional().meta({ description: 'graphql: the document' }),
    variables: z.record(z.string(), z.unknown()).optional().meta({ description: 'graphql: variables' }),
    operationName: z.string().optional().meta({ description: 'graphql: operation to run' }),
    subprotocol: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .meta({ description: 'websocket: Sec-WebSocket-Protocol' }),
    answer: z
      .union([
        z.literal('next'),
        z.strictObject({
          field: z.string().min(1).meta({ description: 'dotted path, e.g. id or data.seq' }),
        }),
      ])
      .optional()
      .meta({
        description:
          "websocket: what answers a message: 'next' (the next message received) or { field } (a JSON message whose field equals the sent {{seq}})",
      }),
  })
  .superRefine((r, ctx) => {
    const exclusive = [
      ['body', 'bodyFile', 'bodies'],
      ['message', 'messageFile'],
    ] as const;
    for (const group of exclusive) {
      const set = group.filter((k) => r[k] !== undefined);
      if (set.length > 1) {
        ctx.addIssue({ code: 'custom', path: [set[1] as string], message: `use one of ${set.join(', ')}` });
      }
    }
    if (r.proto !== undefined && r.call === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['proto'],
        message: "'proto' needs 'call' (package.Service/Method)",
      });
    }
    if (r.tls?.cert !== undefined && r.tls.key === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'key'], message: "'tls.cert' needs 'tls.key'" });
    }
  })
  .meta({
    id: 'Request',
    description:
      "what to send to your own service and what counts as success (instead of commbench's echo); see README 'Your own service'",
  });

/** A parsed request block (plain data: it crosses worker boundaries inside the driver spec). */
export type RequestSpec = z.output<typeof RequestBlock>;
export type ExpectSpec = z.output<typeof Expect>;
