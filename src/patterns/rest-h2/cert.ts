import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

/** A throwaway TLS identity for loopback benchmarks: a P-256 key and a self-signed certificate. */
export interface SelfSigned {
  /** PEM of the certificate (also usable as a client's `ca`). */
  readonly cert: string;
  /** PEM (PKCS#8) of the private key. */
  readonly key: string;
  /** SHA-256 of the certificate's DER, upper-case hex with colons (as node's `fingerprint256`). */
  readonly fingerprint256: string;
}

type Generator = Parameters<typeof X509.X509CertificateGenerator.createSelfSigned>[0];

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Generates a P-256 key and a self-signed X.509 v3 certificate for `commonName`, valid from an hour
 * ago for `days`, with subjectAltName localhost, 127.0.0.1 and ::1 (@peculiar/x509 over node's
 * WebCrypto; no openssl).
 */
export async function selfSigned(commonName = 'commbench', days = 7): Promise<SelfSigned> {
  // @peculiar/x509 needs a Reflect metadata polyfill (tsyringe); loaded only when TLS is used.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto;
  const keys = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const now = Date.now();
  const serial = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  serial[0] = serial[0]! & 0x7f || 1; // positive, no leading zero byte
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: `CN=${commonName}`,
      notBefore: new Date(now - 3_600_000),
      notAfter: new Date(now + days * 86_400_000),
      keys: keys as unknown as Generator['keys'],
      signingAlgorithm: ecdsa,
      extensions: [
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
      ],
    },
    crypto as unknown as Parameters<typeof X509.X509CertificateGenerator.createSelfSigned>[1],
  );
  const cert = certificate.toString('pem') + '\n';
  // Parse it back with node: a certificate node would reject fails here, not in the TLS handshake.
  const parsed = new X509Certificate(cert);
  if (!parsed.verify(parsed.publicKey)) throw new Error('self-signed certificate does not verify');
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    cert,
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`,
    fingerprint256: fingerprintOf(Buffer.from(certificate.rawData)),
  };
}

/** SHA-256 of DER bytes in node's `fingerprint256` notation (AA:BB:...). */
export function fingerprintOf(der: Buffer): string {
  return (createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g) as string[]).join(':');
}
