import { describeLoad } from '../../src/engine/load/registry.js';
import type { CaseSpec } from '../../src/plan/types.js';

/** A case spec with test-friendly defaults. */
export function caseSpec(overrides: Partial<CaseSpec> = {}): CaseSpec {
  const load = overrides.load ?? { model: 'closed', connections: 4, inFlight: 1 };
  return {
    loadInfo: describeLoad(load, overrides.workers ?? 1),
    id: 'test',
    pattern: 'tcp',
    options: {},
    load: { model: 'closed', connections: 4, inFlight: 1 },
    payload: { size: 256, shape: 'mixed' },
    durationMs: 1000,
    warmupMs: 200,
    repeat: 1,
    timeoutMs: 5000,
    workers: 1,
    serverDelayMs: 0,
    verifyEvery: 10,
    ...overrides,
  };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
