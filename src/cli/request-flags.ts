/**
 * One-off requests from the command line, in the style of curl / oha / ghz: `-X`, `-H`, `-d`,
 * `--proto`, `--call`, `-m` ... become a `request` block merged over every case's own (flags win).
 * Files named by flags are relative to the current directory.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CommbenchError } from '../errors.js';
import { requestKeysOf } from '../toolkit/request/check.js';
import { RequestBlock, type RequestSpec } from '../plan/request.js';
import type { Plan } from '../plan/types.js';

export interface RequestFlags {
  method?: string;
  header?: string[];
  data?: string;
  dataLines?: string;
  proto?: string;
  importPath?: string[];
  call?: string;
  message?: string;
  query?: string;
  variables?: string;
  expectStatus?: string;
  expectBody?: string;
  bearer?: string;
  ca?: string;
  insecure?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Adds the request flags to `run`. */
export function addRequestFlags(command: Command): Command {
  return command
    .option('-X, --method <method>', 'your own service: HTTP method (rest, rest-h2)')
    .option('-H, --header <name: value>', 'HTTP header, or gRPC metadata (repeatable)', collect)
    .option('-d, --data <body|@file>', 'request body (rest, rest-h2); @file reads it from a file')
    .option('--data-lines <file>', 'JSON-lines file of bodies, used round-robin')
    .option('--proto <file>', 'gRPC: .proto declaring the service (default: server reflection)')
    .option('--import-path <dir>', "gRPC: folder the proto's imports are resolved from (repeatable)", collect)
    .option('--call <package.Service/Method>', 'gRPC: the method to call')
    .option('-m, --message <json|@file>', 'gRPC / WebSocket: message to send; @file reads it from a file')
    .option('--query <graphql|@file>', 'GraphQL: the document')
    .option('--variables <json>', 'GraphQL: variables as JSON')
    .option(
      '--expect-status <codes>',
      'HTTP status(es) that count as success, e.g. 201 or 200,204 (default any 2xx)',
    )
    .option('--expect-body <text>', 'the response must contain this text')
    .option('--bearer <token>', 'Authorization: Bearer <token>; e.g. ${ENV:API_TOKEN}')
    .option('--ca <file>', 'PEM of the CA that signed the server certificate (https, wss, grpcs)')
    .option('--insecure', 'do not verify the server certificate');
}

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CommbenchError('E_USAGE', `${flag}: not JSON: ${(err as Error).message}`, {
      hint: `e.g. ${flag} '{"name":"world"}'`,
    });
  }
}

/** The flags as one request block (undefined when none is given); paths made absolute. */
export function requestFromFlags(flags: RequestFlags, cwd = process.cwd()): RequestSpec | undefined {
  const abs = (p: string): string => resolve(cwd, p);
  const raw: Record<string, unknown> = {};
  if (flags.method !== undefined) raw.method = flags.method;
  if (flags.header) {
    const headers: Record<string, string> = {};
    for (const h of flags.header) {
      const colon = h.indexOf(':');
      if (colon <= 0) {
        throw new CommbenchError('E_USAGE', `-H ${h}: expected 'name: value'`, {
          hint: "e.g. -H 'x-token: abc'",
        });
      }
      headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    }
    raw.headers = headers;
  }
  if (flags.data !== undefined) {
    if (flags.data.startsWith('@')) raw.bodyFile = abs(flags.data.slice(1));
    else raw.body = flags.data;
  }
  if (flags.dataLines !== undefined) raw.bodies = abs(flags.dataLines);
  if (flags.proto !== undefined) raw.proto = abs(flags.proto);
  if (flags.importPath) raw.importPaths = flags.importPath.map(abs);
  if (flags.call !== undefined) raw.call = flags.call;
  if (flags.message !== undefined) {
    if (flags.message.startsWith('@')) raw.messageFile = abs(flags.message.slice(1));
    else raw.message = flags.message;
  }
  if (flags.query !== undefined) raw.query = flags.query;
  if (flags.variables !== undefined) raw.variables = parseJson('--variables', flags.variables);
  const expect: Record<string, unknown> = {};
  if (flags.expectStatus !== undefined) {
    const codes = flags.expectStatus.split(',').map((s) => Number(s.trim()));
    expect.status = codes.length === 1 ? codes[0] : codes;
  }
  if (flags.expectBody !== undefined) expect.bodyContains = flags.expectBody;
  if (Object.keys(expect).length > 0) raw.expect = expect;
  if (flags.bearer !== undefined) raw.auth = { bearer: flags.bearer };
  if (flags.ca !== undefined || flags.insecure) {
    raw.tls = {
      ...(flags.ca !== undefined ? { ca: abs(flags.ca) } : {}),
      ...(flags.insecure ? { insecure: true } : {}),
    };
  }
  if (Object.keys(raw).length === 0) return undefined;
  const parsed = RequestBlock.safeParse(raw);
  if (!parsed.success) {
    throw new CommbenchError('E_USAGE', 'invalid request flags', {
      details: parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`),
      hint: 'see commbench run --help (-X, -H, -d, --proto, --call, -m, --expect-status)',
    });
  }
  return parsed.data;
}

/** The command-line flag that sets each request key (for grpc, -H sets metadata). */
const flagOfKey: Readonly<Record<string, string>> = {
  method: '-X',
  headers: '-H',
  metadata: '-H',
  body: '-d',
  bodyFile: '-d',
  bodies: '--data-lines',
  proto: '--proto',
  importPaths: '--import-path',
  call: '--call',
  message: '-m',
  messageFile: '-m',
  query: '--query',
  variables: '--variables',
  expect: '--expect-status/--expect-body',
  auth: '--bearer',
  tls: '--ca/--insecure',
};

/**
 * The flags' request merged over each case's own (key by key; headers merged): the cases with a
 * --target when there are any (`run smoke --target rest=URL -d …` leaves tcp and grpc alone), else
 * every case. For gRPC cases -H becomes metadata and -d the message, as ghz reads them.
 *
 * A flag is never silently ignored: a case whose pattern does not read it runs without it and
 * `warn` says so; a flag that no case reads (`-m` on a rest run) is an E_USAGE error.
 */
export function applyRequestFlags(
  plan: Plan,
  request: RequestSpec | undefined,
  warn: (line: string) => void = () => undefined,
): Plan {
  if (!request) return plan;
  const targeted = plan.cases.some((c) => c.target !== undefined);
  const usedBy = new Map<string, string[]>();
  const unusedBy = new Map<string, string[]>();
  const note = (map: Map<string, string[]>, flag: string, pattern: string): void => {
    const list = map.get(flag) ?? [];
    if (!list.includes(pattern)) map.set(flag, [...list, pattern]);
  };
  const cases = plan.cases.map((c) => {
    if (targeted && c.target === undefined) return c;
    let own: RequestSpec = request;
    const flagOf = (key: string): string =>
      c.pattern === 'grpc' && key === 'message' && request.message === undefined
        ? '-d'
        : (flagOfKey[key] ?? key);
    if (c.pattern === 'grpc') {
      const { headers, body, ...rest } = request;
      own = {
        ...rest,
        ...(headers
          ? { metadata: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])) }
          : {}),
        ...(body !== undefined && rest.message === undefined ? { message: body } : {}),
      };
    }
    const reads = requestKeysOf(c.pattern);
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(own)) {
      if (value === undefined) continue;
      if (reads.includes(key as keyof RequestSpec)) {
        kept[key] = value;
        note(usedBy, flagOf(key), c.pattern);
      } else note(unusedBy, flagOf(key), c.pattern);
    }
    if (Object.keys(kept).length === 0) return c;
    own = kept as RequestSpec;
    const base = c.request ?? {};
    const merged: RequestSpec = {
      ...base,
      ...own,
      ...(base.headers || own.headers ? { headers: { ...base.headers, ...own.headers } } : {}),
      ...(base.metadata || own.metadata ? { metadata: { ...base.metadata, ...own.metadata } } : {}),
    };
    return { ...c, request: merged };
  });
  const readsOf = (pattern: string): string => {
    const keys = requestKeysOf(pattern);
    return keys.length === 0
      ? `${pattern} sends its own echo and takes no request flags`
      : `${pattern} reads ${[...new Set(keys.map((k) => flagOfKey[k] ?? k))].join(', ')}`;
  };
  const problems: string[] = [];
  for (const [flag, patterns] of unusedBy) {
    const line = `${flag} does not apply to ${patterns.join(', ')} (${patterns.map(readsOf).join('; ')})`;
    if (usedBy.has(flag)) warn(`warning: ${line}: those cases run without it`);
    else problems.push(line);
  }
  if (problems.length > 0) {
    throw new CommbenchError('E_USAGE', 'request flags that no case of the run reads', {
      details: problems,
      hint: 'drop them, or pick the cases they are for with --pattern / --target (see commbench run --help)',
    });
  }
  return { ...plan, cases };
}
