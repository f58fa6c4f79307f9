import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CaseSpec, Plan } from '../plan/types.js';
import { caseSpec } from '../../test/engine/helpers.js';
import { CommbenchError } from '../errors.js';
import { applyRequestFlags, requestFromFlags } from './request-flags.js';

const spec = (pattern: string, target?: string, request?: CaseSpec['request']): CaseSpec =>
  caseSpec({
    id: pattern,
    pattern,
    load: { model: 'closed', connections: 1, inFlight: 1 },
    ...(target ? { target } : {}),
    ...(request ? { request } : {}),
  });

describe('request flags', () => {
  it('curl-style flags become a request block; @file and paths are absolute', () => {
    const r = requestFromFlags(
      { method: 'put', header: ['X-Token: abc', 'accept: a:b'], data: '@body.json', expectStatus: '200,204' },
      '/work',
    );
    assert.deepEqual(r, {
      method: 'put',
      headers: { 'x-token': 'abc', accept: 'a:b' },
      bodyFile: '/work/body.json',
      expect: { status: [200, 204] },
    });
    assert.equal(requestFromFlags({}), undefined);
    assert.throws(() => requestFromFlags({ header: ['nocolon'] }), /expected 'name: value'/);
    assert.throws(() => requestFromFlags({ call: 'NoSlash' }), /invalid request flags/);
  });

  it('apply to the targeted cases only, merged over their own; for grpc -H is metadata and -d the message', () => {
    const plan: Plan = {
      name: 'p',
      description: '',
      source: 'x',
      cases: [
        spec('tcp'),
        spec('rest', 'http://h/x', { headers: { a: '1' }, expect: { status: 201 } }),
        spec('grpc', 'grpc://h:1', { call: 'a.B/C' }),
      ],
    };
    const out = applyRequestFlags(plan, requestFromFlags({ header: ['b: 2'], data: '{"n":1}' }));
    assert.equal(out.cases[0]?.request, undefined);
    assert.deepEqual(out.cases[1]?.request, {
      headers: { a: '1', b: '2' },
      expect: { status: 201 },
      body: '{"n":1}',
    });
    assert.deepEqual(out.cases[2]?.request, { call: 'a.B/C', metadata: { b: '2' }, message: '{"n":1}' });
  });

  it('a flag no case reads is an error; one some cases do not read is a warning, and they run without it', () => {
    const plan = (...patterns: string[]): Plan => ({
      name: 'p',
      description: '',
      source: 'x',
      cases: patterns.map((p) => spec(p)),
    });
    assert.throws(
      () => applyRequestFlags(plan('rest'), requestFromFlags({ message: '{"a":1}' })),
      (err: unknown) => {
        assert.ok(err instanceof CommbenchError);
        assert.equal(err.exitCode, 2);
        assert.match(err.details.join('\n'), /^-m does not apply to rest \(rest reads -X, -H, -d/);
        return true;
      },
    );
    assert.throws(
      () => applyRequestFlags(plan('tcp'), requestFromFlags({ method: 'GET' })),
      /no case of the run reads/,
    );
    const warnings: string[] = [];
    const out = applyRequestFlags(plan('tcp', 'rest', 'grpc'), requestFromFlags({ method: 'GET' }), (w) =>
      warnings.push(w),
    );
    assert.deepEqual(
      out.cases.map((c) => c.request),
      [undefined, { method: 'GET' }, undefined],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^warning: -X does not apply to tcp, grpc .*: those cases run without it$/);
  });
});
