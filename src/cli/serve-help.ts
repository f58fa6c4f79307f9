/**
 * What `commbench serve` prints under "listening on": how to call what it serves (path, method,
 * gRPC service/method, an example curl / grpcurl / websocat) and the matching `run --target`.
 */
import { join } from 'node:path';
import { makeRecord } from '../message.js';
import { packageRoot } from '../paths.js';

type Opts = Readonly<Record<string, unknown>>;

export function howToCall(pattern: string, url: string, options: Opts): string[] {
  const u = new URL(url);
  const origin = `${u.protocol}//${u.host}`;
  const record = JSON.stringify(makeRecord(64, 'mixed'));
  const path = typeof options.path === 'string' ? options.path : '/echo';
  const target = `  commbench run smoke --pattern ${pattern} --target ${pattern}=${origin}`;
  switch (pattern) {
    case 'rest':
      return [
        `  POST ${path} with a JSON record (seq, name, items, text); answers 200 with the same JSON`,
        `  curl -s -X POST ${origin}${path} -H 'content-type: application/json' -d '${record}'`,
        target,
      ];
    case 'rest-h2':
      return [
        `  HTTP/2 ${u.protocol === 'https:' ? 'over TLS (self-signed; pin in the URL)' : 'cleartext (h2c, prior knowledge)'}: POST ${path} with a JSON record; answers 200 with the same JSON`,
        `  curl -s --http2-prior-knowledge -X POST ${origin}${path} -H 'content-type: application/json' -d '${record}'`,
        `  commbench run smoke --pattern rest-h2 --target 'rest-h2=${url}'`,
      ];
    case 'graphql':
      return [
        `  POST ${typeof options.path === 'string' ? options.path : '/graphql'} (GraphQL over HTTP): query Echo($input: EchoRecordInput!) { echo(input: $input) { seq name } }`,
        `  curl -s ${origin}/graphql -H 'content-type: application/json' -d '{"query":"query($i: EchoRecordInput!){ echo(input: $i) { seq name } }","variables":{"i":{"seq":1,"name":"a","items":[],"text":""}}}'`,
        target,
      ];
    case 'grpc':
      return [
        `  gRPC (plaintext): commbench.echo.v1.Echo/Unary, /BidiStream, /ServerStream; proto: ${join(packageRoot(), 'proto', 'echo.proto')}`,
        `  grpcurl -plaintext -proto ${join(packageRoot(), 'proto', 'echo.proto')} -d '{"seq":1,"name":"a"}' ${u.host} commbench.echo.v1.Echo/Unary`,
        `  commbench run smoke --pattern grpc --target grpc=grpc://${u.host}`,
        `  commbench run smoke --pattern grpc --target grpc=grpc://${u.host} --proto ${join(packageRoot(), 'proto', 'echo.proto')} --call commbench.echo.v1.Echo/Unary -m '{"seq":1,"name":"a"}'`,
      ];
    case 'websocket':
      return [
        `  WebSocket: ${origin}/echo answers every text message with itself (JSON records); /publish + /subscribe broadcast`,
        `  websocat ${origin}/echo   (then type ${JSON.stringify({ seq: 1, name: 'a', items: [], text: '' })})`,
        target,
      ];
    default:
      return [target];
  }
}
