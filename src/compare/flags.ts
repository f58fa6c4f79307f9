/**
 * What a gate says about a row it passes: the trust flags the report shows for the case. The one
 * place `compare` and `check` read them from.
 */
import { caseFlags, type Flag } from '../report/model.js';
import type { CaseResult } from '../result/types.js';

/**
 * Flags about the run's status, which the gates already fail on (a case that did not complete), or
 * plain context (the repetition count): not repeated next to a row that passed.
 */
const notAWarning: ReadonlySet<Flag['code']> = new Set([
  'failed',
  'server-crashed',
  'interrupted',
  'not-run',
  'reps',
]);

/**
 * The flags of `c` a reader must see next to a verdict on it, as the report's flags column writes
 * them ('DRIVER-LIMITED', 'SERVER-LIMITED queued 120', 'BUSY-MACHINE 0.8 cores', 'CPU-BOUND',
 * 'partial'); empty when none. The limit flag comes from the stored verdict (src/engine/verdict.ts)
 * through the report's caseFlags: nothing here decides it.
 */
export function rowFlags(c: CaseResult): readonly string[] {
  return caseFlags(c)
    .filter((f) => !notAWarning.has(f.code))
    .map((f) => f.text);
}
