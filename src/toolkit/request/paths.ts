import { isAbsolute, resolve } from 'node:path';
import type { RequestSpec } from '../../plan/request.js';

/** `request` with every file it names made absolute against `baseDir` (the scenario file's folder). */
export function resolveRequestPaths(request: RequestSpec, baseDir: string): RequestSpec {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const out: RequestSpec = { ...request };
  for (const key of ['bodyFile', 'bodies', 'proto', 'messageFile'] as const) {
    const p = out[key];
    if (p !== undefined) out[key] = abs(p);
  }
  if (out.importPaths) out.importPaths = out.importPaths.map(abs);
  if (out.tls) {
    const tls = { ...out.tls };
    for (const key of ['ca', 'cert', 'key'] as const) {
      const p = tls[key];
      if (p !== undefined) tls[key] = abs(p);
    }
    out.tls = tls;
  }
  return out;
}
