import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCase } from '../../src/engine/runner.js';
import type { RequestSpec } from '../../src/plan/request.js';
import { caseSpec } from '../engine/helpers.js';
import {
  helloProto,
  layoutRoot,
  ordersProto,
  startGreeter,
  startOrdersGrpc,
  reflectionAvailable,
  type CountedGrpc,
} from './grpc-servers.js';

const short = {
  durationMs: 500,
  warmupMs: 0,
  load: { model: 'closed', connections: 2, inFlight: 1 },
} as const;
const hello: RequestSpec = {
  proto: helloProto,
  call: 'helloworld.Greeter/SayHello',
  message: { name: 'world' },
  metadata: { 'x-token': 'abc' },
};

async function run(target: string, request: RequestSpec) {
  return runCase(caseSpec({ pattern: 'grpc', ...short, target, request }));
}

describe('grpc against a Greeter of its own (own proto, metadata checks)', () => {
  let greeter: CountedGrpc;
  let reflection = false;
  before(async () => {
    reflection = await reflectionAvailable();
    if (!reflection && process.env.CI === 'true') throw new Error('@grpc/reflection is missing: run npm ci');
    greeter = await startGreeter({ reflection });
  });
  const needsReflection = (t: { skip(msg: string): void }): boolean => {
    if (reflection) return false;
    t.skip('@grpc/reflection is not installed (npm ci installs it)');
    return true;
  };
  after(() => greeter.close());

  for (const [method, extra] of [
    ['SayHello', {}],
    ['SayHellos', { message: { name: 'w', times: 4 } }],
    ['CountHellos', { streamMessages: 3 }],
    ['Chat', { streamMessages: 3 }],
  ] as const) {
    it(`${method}: 0 errors, the server accepted at least every op commbench counted`, async () => {
      const before = greeter.accepted;
      const result = await run(greeter.url, { ...hello, ...extra, call: `helloworld.Greeter/${method}` });
      assert.equal(result.status, 'ok', result.error?.message);
      const s = result.summary;
      assert.ok(s);
      assert.equal(s.errors.total, 0, JSON.stringify(s.errorSamples));
      assert.ok(s.ops > 20, `ops ${s.ops}`);
      assert.ok(greeter.accepted - before >= s.ops, `server ${greeter.accepted - before} < ops ${s.ops}`);
    });
  }

  it('templates in the message: {{seq}} per call', async () => {
    const result = await run(greeter.url, {
      ...hello,
      message: '{"name":"n{{seq}}","times":{{randInt 1 3}}}',
    });
    assert.equal(result.status, 'ok', result.error?.message);
    assert.equal(result.summary?.errors.total, 0);
  });

  it('without a proto, the method is read by server reflection', async (t) => {
    if (needsReflection(t)) return;
    const { proto: _, ...noProto } = hello;
    const result = await run(greeter.url, noProto);
    assert.equal(result.status, 'ok', result.error?.message);
    assert.equal(result.summary?.errors.total, 0);
  });

  const wrong: [string, RequestSpec, string, RegExp][] = [
    [
      'missing metadata',
      { ...hello, metadata: {} },
      'E_RUN_FAILED',
      /UNAUTHENTICATED: x-token required; .*request\.metadata/,
    ],
    [
      'an empty name',
      { ...hello, message: {} },
      'E_RUN_FAILED',
      /INVALID_ARGUMENT: name required; .*request\.message/,
    ],
    [
      'an unknown method',
      { ...hello, call: 'helloworld.Greeter/SayBye' },
      'E_USAGE',
      /no method SayBye; helloworld\.Greeter methods: SayHello, SayHellos, CountHellos, Chat/,
    ],
    [
      'an unknown method (reflection)',
      { call: 'helloworld.Greeter/SayBye', message: { name: 'x' }, metadata: { 'x-token': 'abc' } },
      'E_USAGE',
      /no method SayBye; helloworld\.Greeter methods: SayHello/,
    ],
    [
      'an unknown service',
      { ...hello, call: 'helloworld.Greet/SayHello' },
      'E_USAGE',
      /; services: helloworld\.Greeter/,
    ],
    [
      'a message field the proto does not have',
      { ...hello, message: { nmae: 'x' } },
      'E_USAGE',
      /unknown field 'nmae' in helloworld\.HelloRequest; helloworld\.HelloRequest has name: string, times: int32/,
    ],
    [
      'a field of the wrong type',
      { ...hello, message: { name: 5 } },
      'E_USAGE',
      /field name: string expected/,
    ],
  ];
  for (const [what, request, code, message] of wrong) {
    it(`${what}: the case fails with ${code} and a one-line hint`, async (t) => {
      if (what.includes('reflection') && needsReflection(t)) return;
      const result = await run(greeter.url, request);
      assert.equal(result.status, 'failed');
      assert.equal(result.error?.code, code);
      assert.match(result.error?.message ?? '', message);
      assert.doesNotMatch(result.error?.message ?? '', /\n/);
    });
  }
});

describe('grpc against a service from another proto layout (imports, well-known types)', () => {
  let orders: CountedGrpc;
  before(async () => {
    orders = await startOrdersGrpc();
  });
  after(() => orders.close());

  const place: RequestSpec = {
    proto: ordersProto,
    importPaths: [layoutRoot],
    call: 'shop.v1.Orders/PlaceOrder',
    message: { sku: 'book-1', price: { currency_code: 'EUR', units: 12 }, tags: ['a'] },
  };

  it('0 errors; the server accepted at least every op; camelCase JSON names work too', async () => {
    for (const message of [place.message, { sku: 'b', price: { currencyCode: 'USD', units: 3 } }]) {
      const before = orders.accepted;
      const result = await run(orders.url, { ...place, message });
      assert.equal(result.status, 'ok', result.error?.message);
      const s = result.summary;
      assert.ok(s);
      assert.equal(s.errors.total, 0, JSON.stringify(s.errorSamples));
      assert.ok(
        orders.accepted - before >= s.ops && s.ops > 20,
        `server ${orders.accepted - before}, ops ${s.ops}`,
      );
    }
  });

  it('a nested field that is not in the imported message is named with its path', async () => {
    const result = await run(orders.url, { ...place, message: { sku: 'b', price: { currency: 'EUR' } } });
    assert.equal(result.error?.code, 'E_USAGE');
    assert.match(result.error?.message ?? '', /unknown field 'price\.currency' in common\.v1\.Money/);
  });

  it('without a proto, a server that offers no reflection is named as such, with the fix', async () => {
    const { proto: _, importPaths: __, ...noProto } = place;
    const result = await run(orders.url, noProto);
    assert.equal(result.error?.code, 'E_USAGE');
    assert.match(
      result.error?.message ?? '',
      /does not offer reflection: give its \.proto with request\.proto/,
    );
  });

  it('an import that cannot be resolved names the proto and the import paths', async () => {
    const { importPaths: _, ...noImports } = place;
    const result = await run(orders.url, noImports);
    assert.equal(result.error?.code, 'E_USAGE');
    assert.match(result.error?.message ?? '', /cannot find import "common\/v1\/money\.proto".*importPaths/);
  });
});
