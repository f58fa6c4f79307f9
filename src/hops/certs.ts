import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findBinary } from '../proc/binary.js';
import { runCommand } from '../proc/spawn.js';

/** Runs openssl through src/proc (the one place that starts processes); rejects with its last line. */
async function run(command: string, args: readonly string[]): Promise<void> {
  const r = await runCommand(command, args, { timeoutMs: 30_000 });
  if (!r.ok)
    throw new Error(`${command} ${args[0] ?? ''} failed: ${r.output.trim().split('\n').pop() ?? ''}`);
}

/** Files of a throwaway certificate authority and the two certificates it signed (PEM paths). */
export interface MeshCerts {
  readonly ca: string;
  /** The server side: CN and subjectAltName localhost, 127.0.0.1 and ::1. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate (for mTLS: the caller's sidecar presents it). */
  readonly clientCert: string;
  readonly clientKey: string;
}

/**
 * Makes a CA, a server certificate and a client certificate in `dir` with the installed openssl
 * (EC P-256, valid one day): TLS termination and mTLS between sidecars, made at run time so no key
 * is ever shipped. Rejects with the install hint when openssl is missing.
 */
export async function makeCerts(dir: string): Promise<MeshCerts> {
  const openssl = findBinary('openssl');
  if (!openssl) throw new Error('openssl is not installed (apt-get install openssl)');
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run(openssl, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=commbench test CA',
  ]);
  const sign = async (name: string, cn: string, ext: string): Promise<void> => {
    await writeFile(f(`${name}.ext`), ext);
    await run(openssl, [
      'req',
      ...ec,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    ]);
    const ca = ['-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial'];
    const out = ['-days', '1', '-out', f(`${name}.pem`), '-extfile', f(`${name}.ext`)];
    await run(openssl, ['x509', '-req', '-in', f(`${name}.csr`), ...ca, ...out]);
  };
  await sign(
    'server',
    'localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n',
  );
  await sign('client', 'commbench sidecar', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
  };
}
