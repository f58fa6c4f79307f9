import { dirname, isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import protobuf from 'protobufjs';
import { CommbenchError } from '../../errors.js';
import { readRequestFile } from '../../toolkit/request/http.js';
import type { RequestSpec } from '../../plan/request.js';
import { compileTemplate } from '../../toolkit/request/template.js';
import { resolveEnv } from '../../toolkit/request/env.js';

/** The user's RPC, resolved from a .proto file or server reflection. */
export interface OwnMethod {
  /** '/package.Service/Method' */
  readonly path: string;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

const callHelp = 'request.call is package.Service/Method, e.g. helloworld.Greeter/SayHello';

/** Loads `request.proto` with its imports resolved from the proto's folder, then `importPaths`. */
export function loadProtoRoot(request: RequestSpec): protobuf.Root {
  const file = request.proto as string;
  const dirs = [...(request.importPaths ?? []), dirname(file)];
  const root = new protobuf.Root();
  const missing: string[] = [];
  root.resolvePath = (origin, target) => {
    if (isAbsolute(target) && existsSync(target)) return target;
    const looked = [...new Set([...dirs, origin ? dirname(origin) : '.'])];
    for (const dir of looked) {
      const candidate = resolve(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    // protobufjs knows google/protobuf/*.proto itself; anything else is reported by loadSync.
    if (!target.startsWith('google/protobuf/')) missing.push(`"${target}" (looked in ${looked.join(', ')})`);
    return join(origin ? dirname(origin) : '.', target);
  };
  readRequestFile(file, 'proto');
  try {
    return root.loadSync(file);
  } catch (err) {
    const hint = "imports are resolved from request.importPaths (--import-path) and the proto's own folder";
    const why = missing.length > 0 ? `cannot find import ${missing.join(', ')}` : (err as Error).message;
    throw new CommbenchError('E_USAGE', `request.proto ${file}: ${why}; ${hint}`, { hint });
  }
}

function services(root: protobuf.NamespaceBase): protobuf.Service[] {
  return root.nestedArray.flatMap((n) =>
    n instanceof protobuf.Service ? [n] : n instanceof protobuf.Namespace ? services(n) : [],
  );
}

/** The method `call` names in `root`; an unknown service or method lists what there is. */
export function findMethod(root: protobuf.Root, call: string, source: string): OwnMethod {
  const slash = call.lastIndexOf('/');
  const serviceName = call.slice(0, slash).replace(/^\./, '');
  const methodName = call.slice(slash + 1);
  const service = services(root).find((s) => s.fullName.replace(/^\./, '') === serviceName);
  if (!service) {
    const known = services(root).map((s) => s.fullName.replace(/^\./, ''));
    const hint = known.length
      ? `services: ${known.join(', ')}`
      : `${source} declares no service; ${callHelp}`;
    throw new CommbenchError(
      'E_USAGE',
      `request.call ${call}: no service ${serviceName} in ${source}; ${hint}`,
      {
        hint,
      },
    );
  }
  const method = service.methods[methodName];
  if (!method) {
    const hint = `${serviceName} methods: ${Object.keys(service.methods).join(', ')}`;
    throw new CommbenchError(
      'E_USAGE',
      `request.call ${call}: ${serviceName} has no method ${methodName}; ${hint}`,
      {
        hint,
      },
    );
  }
  method.resolve();
  return {
    path: `/${serviceName}/${methodName}`,
    requestType: method.resolvedRequestType as protobuf.Type,
    responseType: method.resolvedResponseType as protobuf.Type,
    requestStream: method.requestStream === true,
    responseStream: method.responseStream === true,
  };
}

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * `value` with its keys mapped to `type`'s fields (proto names or their lowerCamelCase JSON names);
 * throws naming the first field that is not in the proto or has the wrong type.
 */
export function checkMessage(type: protobuf.Type, value: unknown, at = ''): Record<string, unknown> {
  const where = at || type.fullName.replace(/^\./, '');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw messageError(`${where} must be a JSON object`, type);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key] ?? type.fields[camel(key)];
    if (!field) {
      throw messageError(
        `unknown field '${at ? `${at}.` : ''}${key}' in ${type.fullName.replace(/^\./, '')}`,
        type,
      );
    }
    field.resolve();
    const sub = field.resolvedType;
    if (sub instanceof protobuf.Type && v !== null && typeof v === 'object' && !field.map) {
      const path = `${at ? `${at}.` : ''}${key}`;
      out[field.name] = Array.isArray(v)
        ? v.map((e, i) => checkMessage(sub, e, `${path}[${i}]`))
        : checkMessage(sub, v, path);
    } else {
      out[field.name] = v;
    }
  }
  const problem = type.verify(out);
  if (problem) throw messageError(`field ${at ? `${at}.` : ''}${problem}`, type);
  return out;
}

function messageError(message: string, type: protobuf.Type): CommbenchError {
  const fields = Object.values(type.fields).map(
    (f) => `${f.name}: ${f.repeated ? 'repeated ' : ''}${f.type}`,
  );
  const hint = `${type.fullName.replace(/^\./, '')} has ${fields.join(', ') || 'no fields'}`;
  return new CommbenchError('E_USAGE', `request.message does not match the proto: ${message}; ${hint}`, {
    hint,
  });
}

/**
 * The request message encoder: constant messages are encoded once; a message with templates is
 * rendered, parsed and encoded per request (the first render is checked against the proto).
 */
export function messageEncoder(request: RequestSpec, type: protobuf.Type): (seq: number) => Buffer {
  const text =
    request.messageFile !== undefined
      ? readRequestFile(request.messageFile, 'messageFile')
      : typeof request.message === 'string'
        ? request.message
        : JSON.stringify(request.message ?? {});
  const template = compileTemplate(resolveEnv(text));
  const encode = (json: string): Buffer => {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new CommbenchError('E_USAGE', `request.message is not JSON: ${(err as Error).message}`, {
        hint: 'give the message as a YAML/JSON object, or a JSON string',
      });
    }
    return Buffer.from(type.encode(type.fromObject(checkMessage(type, value))).finish());
  };
  if (template.constant !== undefined) {
    const bytes = encode(template.constant);
    return () => bytes;
  }
  encode(template.render(0));
  return (seq) => encode(template.render(seq));
}
