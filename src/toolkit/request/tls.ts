import type { ConnectionOptions } from 'node:tls';
import { readRequestFile } from './http.js';
import type { RequestSpec } from '../../plan/request.js';
import { notTlsMessage, notTlsPattern } from '../contract.js';

/** node:tls options from `request.tls` (files read once): CA, client cert/key, verification, SNI. */
export function tlsOptions(request: RequestSpec | undefined): ConnectionOptions {
  const tls = request?.tls;
  if (!tls) return {};
  return {
    ...(tls.ca !== undefined ? { ca: readRequestFile(tls.ca, 'tls.ca') } : {}),
    ...(tls.cert !== undefined ? { cert: readRequestFile(tls.cert, 'tls.cert') } : {}),
    ...(tls.key !== undefined ? { key: readRequestFile(tls.key, 'tls.key') } : {}),
    ...(tls.insecure ? { rejectUnauthorized: false } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}

/** One line with a hint for a TLS handshake failure (by OpenSSL / node error code), or undefined. */
export function tlsProblem(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const message = err instanceof Error ? err.message : String(err);
  if (notTlsPattern.test(message)) return notTlsMessage;
  if (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO|SSL/i.test(code) ||
    /certificate|ssl|tls/i.test(message)
  ) {
    return `TLS error (${code || 'handshake'}): ${message}; hint: give the server's CA with request.tls.ca, or request.tls.insecure: true to skip verification (never in production)`;
  }
  return undefined;
}
