import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Busy CPU time of the whole machine (all cores) so far, µs; undefined without /proc/stat. */
export function machineBusyUs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu  user nice system idle iowait irq softirq steal ...
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return ((total - idle) / clockTicksPerSecond) * 1e6;
  } catch {
    return undefined;
  }
}

const clockTicksPerSecond = 100;

/** Other processes using more than this many cores during a window make the machine 'busy' (flagged). */
export const busyMachineCores = 0.25;

export function machineCores(): number {
  return os.availableParallelism();
}
