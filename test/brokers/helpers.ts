import { readFileSync } from 'node:fs';
import { brokers, canStartBroker, type BrokerKind } from '../../src/brokers/index.js';

/**
 * `skip` option for a broker test: a missing broker skips the test locally with a message naming
 * the package, and fails it under CI=true (where .ci/run installs every broker).
 */
export function needsBroker(kind: BrokerKind): { skip: string | false } {
  if (canStartBroker(kind)) return { skip: false };
  const b = brokers[kind];
  const message = `${b.binary} is not installed (Debian: apt-get install ${b.debianPackage})`;
  if (process.env.CI === 'true') throw new Error(`CI needs ${message}; .ci/run installs it`);
  return { skip: message };
}

/** True while a process with this pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it holds or `ms` passed. */
export async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
