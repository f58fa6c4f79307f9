import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type { Environment } from '../result/types.js';

/** Where a result was measured: embedded in every result file. */
export function describeEnvironment(): Environment {
  const cpus = os.cpus();
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', timeout: 2000 });
  const gitSha = git.status === 0 ? git.stdout.trim() : undefined;
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
