import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';

/** A throwaway TLS identity for loopback benchmarks: a P-256 key and a self-signed certificate. */
export interface SelfSigned {
  /** PEM of the certificate (also usable as a client's `ca`). */
  readonly cert: string;
  /** PEM (PKCS#8) of the private key. */
  readonly key: string;
  /** SHA-256 of the certificate's DER, upper-case hex with colons (as node's `fingerprint256`). */
  readonly fingerprint256: string;
}

// Minimal DER (X.690) encoding: just what one X.509 v3 certificate needs.
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
function unsigned(b: Buffer): Buffer {
  return tlv(0x02, (b[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [a * 40 + b];
  for (const v of rest) {
    const group = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) group.unshift(0x80 | (x & 0x7f));
    out.push(...group);
  }
  return tlv(0x06, Buffer.from(out));
}
function utcTime(d: Date): Buffer {
  const s = d.toISOString(); // 2025-01-02T03:04:05.678Z
  const text = `${s.slice(2, 4)}${s.slice(5, 7)}${s.slice(8, 10)}${s.slice(11, 13)}${s.slice(14, 16)}${s.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));

/**
 * Generates a P-256 key and a self-signed X.509 v3 certificate for `commonName`, valid from an hour
 * ago for `days`, with subjectAltName localhost, 127.0.0.1 and ::1 (node:crypto only; no openssl).
 */
export function selfSigned(commonName = 'commbench', days = 7): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = seq(set(seq(oid('2.5.4.3'), utf8(commonName))));
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f || 1;
  const altNames = seq(
    tlv(0x82, Buffer.from('localhost', 'ascii')),
    tlv(0x87, Buffer.from([127, 0, 0, 1])),
    tlv(0x87, Buffer.from([...Array<number>(15).fill(0), 1])),
  );
  const tbs = seq(
    explicit(0, tlv(0x02, Buffer.from([2]))), // v3
    unsigned(serial),
    ecdsaWithSha256,
    name,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + days * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(seq(oid('2.5.29.17'), octets(altNames)))),
  );
  const signature = sign('sha256', tbs, privateKey); // DER-encoded ECDSA signature
  const der = seq(tbs, ecdsaWithSha256, bits(signature));
  const cert = `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
    .replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  // Parse it back: a malformed encoding fails here, not in the TLS handshake.
  const parsed = new X509Certificate(cert);
  if (!parsed.verify(publicKey)) throw new Error('self-signed certificate does not verify');
  return {
    cert,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    fingerprint256: fingerprintOf(der),
  };
}

/** SHA-256 of DER bytes in node's `fingerprint256` notation (AA:BB:...). */
export function fingerprintOf(der: Buffer): string {
  return (createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g) as string[]).join(':');
}
