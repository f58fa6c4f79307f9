import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measurement } from '../../test/fixtures/result.js';
import type { CaseResult } from '../result/types.js';
import type { CaseSpec } from '../scenario/index.js';
import { claims, type Claim } from './claims.js';
import { renderClaimsMarkdown } from './render.js';
import { claimsPlan, type ClaimOutcome } from './run.js';
import { evaluateRule, pollIntervalUs, type ClaimMetric, type ClaimRule } from './verdict.js';

/**
 * Every verdict rule of every claim, on fixtures built from the claim's own cases: one where the
 * rule holds and one where it does not. A rule that cannot fail (or cannot hold) fails here.
 */

type Json = Record<string, unknown>;

/** Sets `path` in a plain object tree, creating objects on the way. */
function put(target: Json, path: readonly string[], value: unknown): void {
  let at = target;
  for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Json;
  at[path[path.length - 1] as string] = value;
}

/** A case as a claims run leaves it: ok, a summary and three repetitions with the same numbers. */
function baseCase(spec: CaseSpec): CaseResult {
  const summary = measurement({ throughput: 1000, p50: 100, payload: 100, wire: 200, driverCpuUsPerOp: 10 });
  const copy = () => structuredClone(summary);
  return {
    spec: structuredClone(spec),
    status: 'ok',
    summary: copy(),
    repetitions: [copy(), copy(), copy()],
  };
}

const latencyOf = (v: number) => ({
  ...measurement({ throughput: 1, p50: v, payload: 1, wire: 1, driverCpuUsPerOp: 1 }).latency,
});

/** Writes `value` so that claimMetrics[metric] reads it back from the case. */
function write(c: CaseResult, metric: ClaimMetric, value: number): void {
  const m = c.summary as unknown as Json;
  const trials = c.repetitions as unknown as Json[];
  const everywhere = (path: string[], v: unknown) => trials.forEach((t) => put(t, path, v));
  switch (metric) {
    case 'p50':
      put(m, ['latency'], latencyOf(value));
      if (m.delivery) put(m, ['delivery', 'latency'], latencyOf(value));
      return;
    case 'minLatency':
      return put(m, ['latency', 'min'], value);
    case 'callerP50':
      return put(m, ['latency'], latencyOf(value));
    case 'throughput':
      return put(m, ['throughput'], value);
    case 'serverCpuPerOp':
      return put(m, ['server', 'cpuUsPerOp'], value);
    case 'originCpuPerOp':
      put(m, ['server', 'helpers'], [{ role: 'proxy (nginx)', cpuUs: 500, cpuUsPerOp: 1, maxRssBytes: 1 }]);
      return put(m, ['server', 'cpuUs'], value * (m.ops as number) + 500);
    case 'payloadPerOp':
      return put(m, ['payload', 'perOp'], value);
    case 'responsePerOp':
      return put(m, ['payload', 'responsePerOp'], value);
    case 'errors':
      return put(m, ['errors', 'total'], value);
    case 'errorsAnyTrial':
      return everywhere(['errors', 'total'], value);
    case 'ops':
      return put(m, ['ops'], value);
    case 'fdsPerConnection':
      return put(m, ['connections', 'server', 'fdsPerConnection'], value);
    case 'serverMemoryFor100k':
      return put(m, ['connections', 'server', 'rssPerConnectionBytes'], value / 100_000);
    case 'heldClientsPerGiB':
      return put(m, ['connections', 'server', 'rssPerConnectionBytes'], 2 ** 30 / value);
    case 'pollClientsPerCore':
      return put(m, ['server', 'cpuUsPerOp'], pollIntervalUs / value);
    case 'lost':
    case 'duplicated':
      return put(m, ['delivery', metric], value);
    case 'reconnects':
      return put(m, ['delivery', 'reconnect'], { ...latencyOf(1000), count: value });
    case 'lostEveryTrial':
    case 'lostAnyTrial':
      return everywhere(['delivery', 'lost'], value);
    case 'duplicatedEveryTrial':
    case 'duplicatedAnyTrial':
      return everywhere(['delivery', 'duplicated'], value);
    case 'outOfOrderEveryTrial':
      return everywhere(['delivery', 'outOfOrder'], value);
    // Gateway and mesh claims (issue 23): each figure read back from where the engine stores it.
    case 'errorShare':
      put(m, ['ops'], 1000);
      return put(m, ['errors', 'total'], Math.round((1000 * value) / (1 - value)));
    case 'proxyCpuPerOp':
    case 'referenceCpuPerOp':
    case 'serviceCpuPerOp': {
      const role =
        { proxyCpuPerOp: 'gateway (nginx)', referenceCpuPerOp: 'reference gateway (nginx)' }[
          metric as string
        ] ?? 'service 1 (rest)';
      // Beside a reference chain each carried every other call: the metric doubles its share.
      const options = c.spec.options as Json;
      const share =
        metric !== 'serviceCpuPerOp' && [true, 'plain', 'once'].includes(options.reference as never) ? 2 : 1;
      const helpers = ((m.server as Json | undefined)?.helpers ?? []) as Json[];
      const h = { role, cpuUs: value / share, cpuUsPerOp: value / share, maxRssBytes: 1 };
      return put(m, ['server', 'helpers'], [...helpers.filter((x) => x.role !== role), h]);
    }
    case 'receivedPerCall':
      put(m, ['ops'], 0);
      put(m, ['errors', 'total'], 1000);
      return put(m, ['server', 'counters'], { received: value * 1000 });
    case 'backendCalls': {
      const options = c.spec.options as Json;
      if (options.loader === 'dataloader') return assert.equal(value, 2, 'DataLoader always makes 2 calls');
      return put(options, ['items'], value - 1);
    }
  }
}

/** A right-hand value the metric can take on any case (DataLoader: only 2 calls). */
function rightValue(rule: ClaimRule, spec: CaseSpec | undefined): number {
  if ('value' in rule.right) return rule.right.value;
  const metric = rule.rightMetric ?? rule.metric;
  if (metric === 'backendCalls' && (spec?.options as Json).loader === 'dataloader') return 2;
  return 100;
}

/** The left value that makes the rule hold (`holds`) or just miss. */
function leftValue(rule: ClaimRule, right: number, holds: boolean): number {
  const f = rule.factor ?? 1;
  if (rule.op === '=') return holds ? right : right + 1;
  if (rule.op === '>') return holds ? right * f * 2 + 1 : right * f;
  return holds ? (right * f) / 2 : right * f;
}

async function specsOf(claim: Claim): Promise<CaseSpec[]> {
  return [...(await claimsPlan(true, [claim], true)).cases];
}

function find(specs: readonly CaseSpec[], rule: ClaimRule, side: 'left' | 'right'): CaseSpec | undefined {
  const selector = rule[side];
  if ('value' in selector) return undefined;
  const probe = specs.map((s) => ({ spec: s, status: 'ok', repetitions: [] }) as unknown as CaseResult);
  const found = probe.filter((c) =>
    evaluateRule({ ...rule, left: selector, right: { value: 0 } }, [c]).missing?.endsWith('ok'),
  );
  assert.equal(found.length, 1, `${rule.says}: ${selector.name} matches ${found.length} cases`);
  return found[0]?.spec;
}

/** The claim's cases with the rule's two sides written to hold or not. */
function fixture(specs: readonly CaseSpec[], rule: ClaimRule, holds: boolean): CaseResult[] {
  const cases = specs.map(baseCase);
  const at = (spec: CaseSpec | undefined) => cases.find((c) => c.spec.id === spec?.id) as CaseResult;
  const rightSpec = find(specs, rule, 'right');
  const right = rightValue(rule, rightSpec);
  if (rightSpec) write(at(rightSpec), rule.rightMetric ?? rule.metric, right);
  write(at(find(specs, rule, 'left')), rule.metric, leftValue(rule, right, holds));
  return cases;
}

describe('every verdict rule of every claim', () => {
  for (const claim of claims) {
    it(`${claim.id}: each rule holds on one fixture and does not hold on another`, async () => {
      const specs = await specsOf(claim);
      assert.ok(specs.length > 0, `${claim.id} has no cases`);
      assert.ok(claim.rules.length > 0, `${claim.id} has no rules`);
      for (const rule of claim.rules) {
        for (const holds of [true, false]) {
          const outcome = evaluateRule(rule, fixture(specs, rule, holds));
          assert.equal(outcome.holds, holds, `${claim.id}: ${rule.says}: ${outcome.text}`);
          if (!('value' in rule.right) && rule.op !== '=') {
            assert.match(
              outcome.text,
              outcome.left === outcome.right ? / \((.+) = (.+)\)/ : / \((.+) [\d.,k]+× (.+)\)/,
              `${claim.id}: the ratio names the larger side: ${outcome.text}`,
            );
          }
        }
      }
    });
  }

  it('the markdown of a full run is at most 10 KB, and no table row is over 250 characters', async () => {
    const outcomes: ClaimOutcome[] = [];
    for (const claim of claims) {
      const specs = await specsOf(claim);
      // Long numbers on purpose: the widest a real run prints.
      const rules = claim.rules.map((r) => evaluateRule(r, fixture(specs, r, true)));
      outcomes.push({ claim, verdict: 'holds', outcomes: rules });
    }
    const environment = {
      cpuModel: 'Intel(R) Xeon(R) Processor',
      cores: 2,
      node: 'v20.20.2',
      os: 'Linux 6.18.44',
    };
    const md = renderClaimsMarkdown({
      outcomes,
      environment: environment as unknown as Parameters<typeof renderClaimsMarkdown>[0]['environment'],
      wallMs: 200_000,
      quick: true,
    });
    assert.ok(Buffer.byteLength(md) <= 10 * 1024, `markdown is ${Buffer.byteLength(md)} bytes`);
    for (const row of md.split('\n').filter((l) => l.startsWith('|'))) {
      assert.ok(row.length <= 250, `a ${row.length}-character row: ${row}`);
    }
  });
});
