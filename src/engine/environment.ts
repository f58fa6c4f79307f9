import os from 'node:os';
import { runCommandSync } from '../proc/spawn.js';
import type { Environment } from '../result/types.js';

/** Where a result was measured: embedded in every result file. */
export function describeEnvironment(): Environment {
  const cpus = os.cpus();
  const gitSha = runCommandSync('git', ['rev-parse', 'HEAD'], 2000)?.trim() || undefined;
  return {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    ...(gitSha ? { gitSha } : {}),
  };
}
