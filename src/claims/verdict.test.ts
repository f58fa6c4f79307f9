import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli } from '../../test/cli/cli.js';
import { makeResult, measurement, spec } from '../../test/fixtures/result.js';
import type { CaseResult, Measurement } from '../result/types.js';
import { claims } from './claims.js';
import { renderClaimsHtml, renderClaimsMarkdown, renderClaimsText } from './render.js';
import { claimsPlan, claimsPlanName, judgeClaims } from './run.js';
import { evaluateClaim, evaluateRule, type ClaimRule } from './verdict.js';

function ok(
  pattern: string,
  m: Partial<Parameters<typeof measurement>[0]>,
  options = {},
  id?: string,
): CaseResult {
  const summary = measurement({
    throughput: 1000,
    p50: 100,
    payload: 100,
    wire: 200,
    driverCpuUsPerOp: 10,
    ...m,
  });
  return {
    spec: spec(pattern, 1024, { options, ...(id ? { id } : {}) }),
    status: 'ok',
    repetitions: [summary],
    summary,
  };
}

const withDelivery = (
  c: CaseResult,
  delivery: Partial<NonNullable<Measurement['delivery']>>,
): CaseResult => ({
  ...c,
  summary: { ...(c.summary as Measurement), delivery: delivery as NonNullable<Measurement['delivery']> },
});

const grpc = { name: 'grpc', pattern: 'grpc' };
const rest = { name: 'rest', pattern: 'rest' };
const smaller: ClaimRule = {
  says: 'payload',
  metric: 'payloadPerOp',
  left: grpc,
  op: '<',
  right: rest,
  factor: 0.5,
};

describe('evaluateRule', () => {
  it("'<' with a margin: holds only when left is below right × factor; the ratio names the larger side", () => {
    const cases = (g: number) => [ok('grpc', { payload: g }), ok('rest', { payload: 100 })];
    assert.equal(evaluateRule(smaller, cases(49)).holds, true);
    assert.equal(evaluateRule(smaller, cases(50)).holds, false, 'exactly at the margin does not hold');
    assert.equal(evaluateRule(smaller, cases(80)).holds, false);
    assert.equal(
      evaluateRule(smaller, cases(49)).text,
      'payload: grpc 49B, rest 100B (rest 2.0× grpc), needs grpc < 0.5× rest: holds',
    );
    assert.equal(
      evaluateRule(smaller, cases(200)).text,
      'payload: grpc 200B, rest 100B (grpc 2.0× rest), needs grpc < 0.5× rest: does not hold',
    );
  });

  it("'>' with a margin below 1 and '=' against a constant", () => {
    const fast: ClaimRule = {
      says: 'throughput',
      metric: 'throughput',
      left: grpc,
      op: '>',
      right: rest,
      factor: 0.5,
    };
    assert.equal(
      evaluateRule(fast, [ok('grpc', { throughput: 600 }), ok('rest', { throughput: 1000 })]).holds,
      true,
    );
    assert.equal(
      evaluateRule(fast, [ok('grpc', { throughput: 400 }), ok('rest', { throughput: 1000 })]).holds,
      false,
    );
    const noErrors: ClaimRule = {
      says: 'errors',
      metric: 'errors',
      left: grpc,
      op: '=',
      right: { value: 0 },
    };
    assert.equal(evaluateRule(noErrors, [ok('grpc', {})]).holds, true);
    const failing = evaluateRule(noErrors, [ok('grpc', { errors: { timeout: 3 } })]);
    assert.equal(failing.holds, false);
    assert.equal(failing.text, 'errors: grpc 3 (needs = 0): does not hold');
  });

  it('a missing, failed, ambiguous or metric-less case is not measured, with the reason', () => {
    assert.match(evaluateRule(smaller, [ok('rest', {})]).missing ?? '', /no case grpc/);
    const failed: CaseResult = {
      ...ok('grpc', {}),
      status: 'failed',
      error: { code: 'E_SERVER_START', message: 'boom' },
    };
    assert.match(evaluateRule(smaller, [failed, ok('rest', {})]).missing ?? '', /grpc boom/);
    assert.match(
      evaluateRule(smaller, [ok('grpc', {}, {}, 'a'), ok('grpc', {}, {}, 'b'), ok('rest', {})]).missing ?? '',
      /2 cases match grpc/,
    );
    const lost: ClaimRule = { says: 'lost', metric: 'lost', left: grpc, op: '=', right: { value: 0 } };
    assert.equal(evaluateRule(lost, [ok('grpc', {})]).holds, undefined, 'no delivery block: no lost count');
    assert.equal(evaluateRule(lost, [withDelivery(ok('grpc', {}), { lost: 0 })]).holds, true);
  });

  it('selectors match on options as written; backendCalls is known only for an error-free graphql-n1 case', () => {
    const calls = (loader: string): ClaimRule => ({
      says: 'calls',
      metric: 'backendCalls',
      left: { name: loader, pattern: 'graphql-n1', options: { loader } },
      op: '=',
      right: { value: loader === 'none' ? 101 : 2 },
    });
    const cases = [
      ok('graphql-n1', {}, { items: 100, loader: 'none' }, 'n'),
      ok('graphql-n1', {}, { items: 100, loader: 'dataloader' }, 'd'),
    ];
    assert.equal(evaluateRule(calls('none'), cases).holds, true);
    assert.equal(evaluateRule(calls('dataloader'), cases).holds, true);
    const withErrors = [ok('graphql-n1', { errors: { mismatch: 1 } }, { items: 100, loader: 'none' })];
    assert.equal(evaluateRule(calls('none'), withErrors).holds, undefined);
  });

  it('per-trial metrics read every repetition: the fewest for "in every trial", the most for "in any trial"', () => {
    const trials = (lost: number[]): CaseResult => {
      const c = withDelivery(ok('redis-streams', {}), { lost: 0 });
      const reps = lost.map((l) => ({
        ...(c.summary as Measurement),
        delivery: { lost: l } as NonNullable<Measurement['delivery']>,
      }));
      return { ...c, repetitions: reps };
    };
    const every: ClaimRule = {
      says: 'lost',
      metric: 'lostEveryTrial',
      left: { name: 'q', pattern: 'redis-streams' },
      op: '>',
      right: { value: 0 },
    };
    const any: ClaimRule = { ...every, metric: 'lostAnyTrial', op: '=' };
    assert.equal(evaluateRule(every, [trials([3, 1, 5])]).holds, true);
    assert.equal(evaluateRule(every, [trials([3, 0, 5])]).holds, false, 'one trial without a loss');
    assert.equal(evaluateRule(any, [trials([0, 0, 0])]).holds, true);
    assert.equal(evaluateRule(any, [trials([0, 1, 0])]).holds, false, 'one trial with a loss');
  });

  it('rightMetric and explain: two metrics of two cases, and a derived figure in the text', () => {
    const rule: ClaimRule = {
      says: 'clients',
      metric: 'pollClientsPerCore',
      left: { name: 'poll', pattern: 'rest' },
      op: '>',
      right: { name: 'held', pattern: 'websocket' },
      rightMetric: 'heldClientsPerGiB',
      explain: (l, r) => `ratio ${(r / l).toFixed(2)}`,
    };
    const held = (rss: number): CaseResult => {
      const c = ok('websocket', {});
      const connections = {
        server: { rssPerConnectionBytes: rss, fdsPerConnection: 1 },
      } as unknown as Measurement['connections'];
      return { ...c, summary: { ...(c.summary as Measurement), connections } };
    };
    // 60 s / 100 µs = 600k clients per core; 2^30 / 4 KiB = 262,144 per GiB.
    const outcome = evaluateRule(rule, [ok('rest', { serverCpuUsPerOp: 100 }), held(4096)]);
    assert.equal(outcome.holds, true);
    assert.match(
      outcome.text,
      /poll 600\.0k clients, held 262\.1k clients \(poll 2\.3× held\); ratio 0\.44, needs poll > held: holds/,
    );
    assert.equal(evaluateRule(rule, [ok('rest', { serverCpuUsPerOp: 300 }), held(4096)]).holds, false);
  });
});

describe('evaluateClaim', () => {
  const cpu: ClaimRule = { says: 'cpu', metric: 'serverCpuPerOp', left: grpc, op: '<', right: rest };
  const run = (payload: number, cpuUs: number) => [
    ok('grpc', { payload, serverCpuUsPerOp: cpuUs }),
    ok('rest', { payload: 100, serverCpuUsPerOp: 100 }),
  ];
  it('holds when every rule holds, does not hold when none does, mixed otherwise', () => {
    assert.equal(evaluateClaim([smaller, cpu], run(40, 50)).verdict, 'holds');
    assert.equal(evaluateClaim([smaller, cpu], run(90, 150)).verdict, 'does not hold');
    assert.equal(evaluateClaim([smaller, cpu], run(40, 150)).verdict, 'mixed');
  });
  it('rules that could not be measured do not count; none measured is not measured', () => {
    assert.equal(
      evaluateClaim([smaller, cpu], [ok('grpc', { payload: 40 }), ok('rest', { payload: 100 })]).verdict,
      'holds',
    );
    assert.equal(evaluateClaim([smaller, cpu], []).verdict, 'not measured');
  });
});

describe('the claims data', () => {
  it('every rule of every claim names exactly one case of its scenario', async () => {
    for (const claim of claims) {
      const plan = await claimsPlan(true, [claim]);
      if (plan.cases.length === 0) continue; // a program it needs is missing here
      const cases = plan.cases.map((s) => ({ spec: s, status: 'ok', repetitions: [] }) as CaseResult);
      for (const rule of claim.rules) {
        for (const side of [rule.left, rule.right]) {
          if ('value' in side) continue;
          const found = evaluateRule({ ...rule, left: side, right: { value: 0 } }, cases).missing;
          // Every case here has no summary, so the only acceptable reason is "ok but unmeasured".
          assert.match(found ?? '', /ok$/, `${claim.id}: ${rule.says}: ${side.name}: ${found}`);
        }
      }
    }
  });
});

describe('claims report', () => {
  const rest2 = ok('rest', { payload: 100 }, {}, 'grpc-payload: rest');
  const grpc2 = ok('grpc', { payload: 40, throughput: 500 }, {}, 'grpc-payload: grpc');
  const result = makeResult({
    plan: {
      name: claimsPlanName,
      description: 'quick',
      source: 'builtin:claims',
      cases: [rest2.spec, grpc2.spec],
    },
    cases: [
      {
        ...rest2,
        summary: { ...(rest2.summary as Measurement), server: { cpuUs: 1, cpuUsPerOp: 100, maxRssBytes: 1 } },
      },
      grpc2,
    ],
  });

  it('one verdict per claim, with the numbers; claims without cases say why', () => {
    const outcomes = judgeClaims(result);
    assert.equal(outcomes.length, claims.length);
    const g = outcomes.find((o) => o.claim.id === 'grpc-payload');
    assert.equal(g?.verdict, 'mixed');
    const text = renderClaimsText({ outcomes, environment: result.environment, wallMs: 60_000, quick: true });
    assert.match(
      text,
      /^MIXED — "Smaller payloads" \(System design §3 gRPC vs REST\) \[grpc-payload\]\n {4}also "High \(binary, multiplexed\)" \(Patterns §2 REST vs gRPC vs GraphQL\)\n {4}measured: .*\n {4}payload per call: rest 100B, grpc 40B \(rest 2\.5× grpc\), needs rest > 1\.2× grpc: holds\n {4}performance: throughput: grpc 500\/s, rest 1000\/s \(rest 2\.0× grpc\), needs grpc > rest: does not hold$/m,
    );
    assert.match(
      text,
      /^NOT MEASURED — "Zero network latency \(function calls\)\."[^\n]*\n(?: {4}.*\n)* {4}not run: not in this result/m,
    );
    assert.match(
      text,
      /^Not measured:\n {2}about teams.*\n {4}"Microservices are a organizational scaling pattern/m,
    );
    const md = renderClaimsMarkdown({
      outcomes,
      environment: result.environment,
      wallMs: 60_000,
      quick: true,
    });
    assert.match(md, /^\| "Smaller payloads" \| \*\*mixed\*\* \| SD §3 \|$/m);
    assert.match(
      md,
      /^- \*\*grpc-payload\*\* \(`rest-vs-grpc`\), also "High \(binary, multiplexed\)": payload per call: rest 100B/m,
    );
    assert.match(md, /^- transactions need a database[^\n]*: "ACID transactions are easy\." \(SD §1\)/m);
    const html = renderClaimsHtml({ outcomes, environment: result.environment, wallMs: 60_000, quick: true });
    assert.match(html, /<td>&#34;Smaller payloads&#34; \(System design §3 gRPC vs REST\)<br>/);
    assert.match(html, /<h2>Not measured<\/h2>/);
    assert.match(html, /&#34;Browsers do not support gRPC natively \(requires gRPC-Web proxy\)\.&#34;/);
  });

  it('commbench claims --from judges a claims result; another result is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'commbench-claims-'));
    writeFileSync(join(dir, 'claims.json'), JSON.stringify(result));
    const judged = await cli(['claims', '--from', 'claims.json', '--format', 'markdown'], dir).done;
    assert.equal(judged.code, 0, judged.stderr);
    assert.match(judged.stdout, /^MIXED — "Smaller payloads"/m);
    const json = await cli(['claims', '--from', 'claims.json', '--json'], dir).done;
    assert.equal(json.code, 0, json.stderr);
    assert.match(json.stderr, /^MIXED — "Smaller payloads"/m, 'the text report goes to stderr');
    const parsed = JSON.parse(json.stdout) as {
      claims: {
        id: string;
        verdict: string;
        notes: { words: string }[];
        rules: { holds: boolean | null }[];
      }[];
      tally: string;
      result: string;
    };
    const payload = parsed.claims.find((c) => c.id === 'grpc-payload');
    assert.equal(payload?.verdict, 'mixed');
    assert.equal(payload?.notes[0]?.words, 'Smaller payloads');
    assert.deepEqual(
      payload?.rules.map((r) => r.holds),
      [true, false],
    );
    assert.match(parsed.tally, /claims on this machine/);
    assert.equal(parsed.result, join(dir, 'claims.json'));
    writeFileSync(join(dir, 'other.json'), JSON.stringify(makeResult()));
    const other = await cli(['claims', '--from', 'other.json'], dir).done;
    assert.equal(other.code, 2);
    assert.match(other.stderr, /not a claims result/);
  });

  it('commbench claims --quick --only monolith runs its cases, writes the result and judges it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'commbench-claims-'));
    const run = await cli(['claims', '--quick', '--only', 'monolith', '--out', 'c.json'], dir).done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^(HOLDS|DOES NOT HOLD) — "Zero network latency \(function calls\)\."[^\n]*\n(?: {4}.*\n)* {4}p50 per call: rest \S+, inproc \S+ \(/m,
    );
    assert.equal(run.stdout.split('\n').filter((l) => / — /.test(l)).length, 1, 'one claim judged');
    const again = await cli(['claims', '--from', 'c.json', '--only', 'monolith'], dir).done;
    const numbers = (out: string) => out.split('\n').find((l) => l.startsWith('    p50 per call'));
    assert.equal(numbers(again.stdout), numbers(run.stdout), '--from gives the same numbers');
    assert.doesNotMatch(run.stdout, /Not measured:/, 'the unmeasured list belongs to a run of every claim');
  });
});
