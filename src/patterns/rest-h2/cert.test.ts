import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { selfSigned } from './cert.js';

test('selfSigned: a P-256 certificate node parses, for localhost, 127.0.0.1 and ::1, valid now', async () => {
  const id = await selfSigned('commbench-test', 2);
  const cert = new X509Certificate(id.cert);
  assert.equal(cert.subject, 'CN=commbench-test');
  assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.equal(cert.fingerprint256, id.fingerprint256);
  assert.ok(cert.checkPrivateKey(createPrivateKey(id.key)), 'the key belongs to the certificate');
  assert.equal(createPrivateKey(id.key).asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const [from, to] = [Date.parse(cert.validFrom), Date.parse(cert.validTo)];
  assert.ok(from < Date.now() && Date.now() < to);
  assert.ok(Math.abs(to - from - (2 * 86_400_000 + 3_600_000)) < 2000, 'valid from an hour ago for 2 days');
  assert.ok(cert.checkHost('localhost') && cert.checkIP('127.0.0.1') && cert.checkIP('::1'));
  assert.notEqual((await selfSigned()).fingerprint256, id.fingerprint256, 'a fresh key each time');
});
