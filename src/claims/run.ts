import { canStartBroker } from '../brokers/index.js';
import { brokers } from '../brokers/kinds.js';
import { findNginx } from '../hops/nginx.js';
import type { CaseResult, Result } from '../result/types.js';
import type { CaseSpec, Plan } from '../scenario/index.js';
import { parseOverrides, planFromText } from '../scenario/index.js';
import { claims as allClaims, type Claim } from './claims.js';
import { evaluateClaim, type ClaimVerdict } from './verdict.js';

/** The claims result's plan name; `claims --from` reads results with this name. */
export const claimsPlanName = 'claims';

/** A claim's cases carry this id prefix in the combined plan (the owner's, for a claim reading another's cases). */
const prefix = (claim: Claim): string => `${ownerId(claim)}: `;

/** The id of the claim whose cases `claim` reads: its own, or its `casesOf`. */
function ownerId(claim: Claim): string {
  return 'casesOf' in claim.run ? claim.run.casesOf : claim.id;
}

/** Why a claim cannot be measured on this machine (a program it needs is missing), if so. */
export function missingProgram(claim: Claim): string | undefined {
  if (claim.needs === undefined) return undefined;
  if (claim.needs === 'nginx')
    return findNginx() ? undefined : 'nginx is not installed (apt-get install nginx)';
  const missing = (typeof claim.needs === 'string' ? [claim.needs] : claim.needs)
    .filter((kind) => !canStartBroker(kind))
    .map((kind) => brokers[kind]);
  if (missing.length === 0) return undefined;
  return `${missing.map((b) => b.binary).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed (apt-get install ${missing.map((b) => b.debianPackage).join(' ')})`;
}

/**
 * One plan with every claim's cases (ids prefixed 'claim-id: '), so brokers start once. Claims
 * whose programs are missing are left out unless `evenMissing` (tests that only read the specs).
 */
export async function claimsPlan(
  quick: boolean,
  chosen: readonly Claim[] = allClaims,
  evenMissing = false,
): Promise<Plan> {
  const cases: CaseSpec[] = [];
  const owners = new Set(chosen.map(ownerId));
  for (const claim of allClaims.filter((c) => owners.has(c.id))) {
    if (!('cases' in claim.run) || (!evenMissing && missingProgram(claim))) continue;
    const timing = quick ? claim.timing.quick : claim.timing.full;
    const text = JSON.stringify({
      name: `claim-${claim.id}`,
      defaults: { timeout: '5s', ...claim.run.defaults },
      cases: claim.run.cases,
    });
    const plan = await planFromText(text, { file: `claim ${claim.id}` }, parseOverrides(timing));
    for (const spec of plan.cases) cases.push({ ...spec, id: `${prefix(claim)}${spec.id}` });
  }
  return {
    name: claimsPlanName,
    description: `the system-design claims, ${quick ? 'quick' : 'default'} timing`,
    source: 'builtin:claims',
    cases,
  };
}

export interface ClaimOutcome extends ClaimVerdict {
  readonly claim: Claim;
  /** Set when the claim's cases were not run (a missing program). */
  readonly notRun?: string;
}

/** Every claim's verdict from a claims result (pure but for the program check of notRun). */
export function judgeClaims(result: Result, chosen: readonly Claim[] = allClaims): ClaimOutcome[] {
  return chosen.map((claim) => {
    const cases: CaseResult[] = result.cases.filter((c) => c.spec.id.startsWith(prefix(claim)));
    const verdict = evaluateClaim(claim.rules, cases);
    if (cases.length === 0) {
      const notRun = missingProgram(claim) ?? 'not in this result';
      return { claim, ...verdict, notRun };
    }
    return { claim, ...verdict };
  });
}
