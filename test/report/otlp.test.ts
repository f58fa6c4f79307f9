/**
 * OTLP metrics push: a real HTTP endpoint written here receives what the OpenTelemetry SDK sends
 * and decodes it with the OTLP protobuf definitions (the generated ExportMetricsServiceRequest of
 * @opentelemetry/otlp-transformer 0.57, installed as otlp-proto-root), then checks metric names,
 * attributes and values; once from OtlpExport directly, once from `commbench run --otlp`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { metricsUrl, OtlpExport } from '../../src/export/otlp.js';
import { makeResult } from '../fixtures/result.js';
import { assertBuilt, cli, tempDir } from '../cli/cli.js';

interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: number; doubleValue?: number };
}
interface NumberPoint {
  attributes?: KeyValue[];
  asDouble?: number;
  asInt?: number;
}
interface Metric {
  name: string;
  unit?: string;
  sum?: { dataPoints: NumberPoint[]; isMonotonic?: boolean };
  gauge?: { dataPoints: NumberPoint[] };
}
interface Request {
  resourceMetrics: { resource?: { attributes?: KeyValue[] }; scopeMetrics: { metrics: Metric[] }[] }[];
}

const proto = createRequire(import.meta.url)('otlp-proto-root/build/src/generated/root.js') as {
  opentelemetry: {
    proto: {
      collector: {
        metrics: {
          v1: {
            ExportMetricsServiceRequest: {
              decode(b: Uint8Array): unknown;
              toObject(m: unknown, o: object): Request;
            };
          };
        };
      };
    };
  };
};
const Req = proto.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

/** A collector stand-in: accepts POST /v1/metrics (application/x-protobuf) and keeps the decoded requests. */
async function receiver(): Promise<{ server: Server; url: string; requests: Request[]; paths: string[] }> {
  const requests: Request[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      requests.push(
        Req.toObject(Req.decode(Buffer.concat(chunks)), { longs: Number, enums: String, defaults: false }),
      );
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, paths };
}

const attr = (p: NumberPoint, key: string): string | number | undefined => {
  const v = p.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.doubleValue;
};
const value = (p: NumberPoint): number => p.asDouble ?? p.asInt ?? NaN;
/** The last request's metric of that name (cumulative counters: the last holds the totals). */
function metric(requests: readonly Request[], name: string): Metric | undefined {
  for (const r of [...requests].reverse())
    for (const rm of r.resourceMetrics)
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) if (m.name === name) return m;
  return undefined;
}
const points = (m: Metric | undefined): NumberPoint[] => m?.sum?.dataPoints ?? m?.gauge?.dataPoints ?? [];

test('OtlpExport pushes counters, live gauges and final percentiles with case attributes', async () => {
  const rx = await receiver();
  try {
    const r = makeResult();
    const spec = r.plan.cases.find((s) => s.pattern === 'rest' && s.payload.size === 64)!;
    const otlp = new OtlpExport({ url: rx.url, plan: r.plan, version: '9.9.9', intervalMs: 60_000 });
    const tick = { elapsedMs: 1000, opsPerSec: 2000, p99: 1500 };
    otlp.tick(spec, { ...tick, phase: 'warmup', ops: 999, errors: 9 }); // not counted
    otlp.tick(spec, { ...tick, phase: 'measure', ops: 2000, errors: 3 });
    otlp.tick(spec, { ...tick, phase: 'measure', ops: 1500, errors: 1, opsPerSec: 1500, p99: 2500 });
    const c = r.cases.find((x) => x.spec.id === spec.id)!;
    otlp.caseFinished(c);
    assert.equal(await otlp.shutdown(), undefined);

    assert.ok(rx.paths.length >= 1, 'nothing pushed');
    assert.match(rx.paths[0]!, /^POST \/v1\/metrics application\/x-protobuf$/);
    const res = rx.requests.at(-1)!.resourceMetrics[0]!.resource!.attributes!;
    assert.deepEqual(
      res.filter((a) => a.key.startsWith('service.')).map((a) => [a.key, a.value.stringValue]),
      [
        ['service.name', 'commbench'],
        ['service.version', '9.9.9'],
      ],
    );
    const ops = points(metric(rx.requests, 'commbench.operations'));
    assert.equal(ops.length, 1);
    assert.equal(value(ops[0]!), 3500, 'measured ticks only');
    assert.equal(attr(ops[0]!, 'scenario'), 'rest-vs-grpc');
    assert.equal(attr(ops[0]!, 'case'), 'rest 64B');
    assert.equal(attr(ops[0]!, 'pattern'), 'rest');
    assert.equal(attr(ops[0]!, 'payload_bytes'), 64);
    assert.equal(attr(ops[0]!, 'load'), 'closed c=50×1');
    assert.equal(value(points(metric(rx.requests, 'commbench.errors'))[0]!), 4);
    assert.equal(value(points(metric(rx.requests, 'commbench.live.latency.p99'))[0]!), 0.0025, 'last tick');
    const latency = points(metric(rx.requests, 'commbench.latency'));
    const byPct = Object.fromEntries(latency.map((p) => [attr(p, 'percentile'), value(p)]));
    assert.deepEqual(byPct, {
      p50: c.summary!.latency.p50 / 1e6,
      p90: c.summary!.latency.p90 / 1e6,
      p99: c.summary!.latency.p99 / 1e6,
      'p99.9': c.summary!.latency.p999 / 1e6,
      max: c.summary!.latency.max / 1e6,
    });
    assert.equal(metric(rx.requests, 'commbench.latency')!.unit, 's');
    const cpu = points(metric(rx.requests, 'commbench.cpu.per_operation'));
    assert.deepEqual(cpu.map((p) => attr(p, 'side')).sort(), ['driver', 'server']);
  } finally {
    rx.server.close();
  }
});

test('a collector that is down gives one warning, never a failed run; URLs get /v1/metrics', async () => {
  const rx = await receiver();
  const url = rx.url;
  await new Promise((r) => rx.server.close(r));
  const r = makeResult();
  const otlp = new OtlpExport({ url, plan: r.plan, version: '0', intervalMs: 60_000, timeoutMs: 1000 });
  otlp.tick(r.plan.cases[0]!, { elapsedMs: 1, phase: 'measure', ops: 1, errors: 0, opsPerSec: 1, p99: 1 });
  assert.match((await otlp.shutdown()) ?? '', /^otlp: 1 of 1 metric exports failed \(.*ECONNREFUSED.*\)$/);
  assert.equal(metricsUrl('http://c:4318'), 'http://c:4318/v1/metrics');
  assert.equal(metricsUrl('http://c:4318/'), 'http://c:4318/v1/metrics');
  assert.equal(metricsUrl('https://c/otlp/v1/metrics'), 'https://c/otlp/v1/metrics');
  assert.throws(() => metricsUrl('collector:4318'), /not an http\(s\) URL/);
});

test('commbench run --otlp pushes the run’s metrics while it runs', async () => {
  assertBuilt();
  const rx = await receiver();
  try {
    const dir = tempDir();
    process.env.OTEL_METRIC_EXPORT_INTERVAL = '250'; // the SDK's own variable; inherited by the CLI
    const run = await cli(
      [
        'run',
        'smoke',
        '--pattern',
        'tcp',
        '--duration',
        '1500ms',
        '--warmup',
        '100ms',
        '--otlp',
        rx.url,
        '--format',
        'openmetrics',
        '--out',
        'r.json',
      ],
      dir,
    ).done;
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /otlp:/, 'no failed exports');
    // Pushed during the run (every 250 ms over a 1.6 s window), not only once at the end.
    const live = rx.requests.filter((r) =>
      r.resourceMetrics.some((rm) =>
        rm.scopeMetrics.some((sm) => sm.metrics.some((m) => m.name === 'commbench.live.throughput')),
      ),
    );
    assert.ok(live.length >= 3, `only ${live.length} pushes with live metrics`);
    const ops = points(metric(rx.requests, 'commbench.operations'));
    assert.ok(ops.length >= 1, `no commbench.operations in ${rx.requests.length} requests`);
    assert.equal(attr(ops[0]!, 'pattern'), 'tcp');
    assert.equal(attr(ops[0]!, 'scenario'), 'smoke');
    assert.ok(value(ops[0]!) > 100, `only ${value(ops[0]!)} operations`);
    const p99 = points(metric(rx.requests, 'commbench.latency')).find((p) => attr(p, 'percentile') === 'p99');
    assert.ok(p99 && value(p99) > 0 && value(p99) < 1, `p99 ${p99 && value(p99)} s`);
    // run --format openmetrics writes the exposition beside the result; promtool accepts a real run's.
    const prom = readFileSync(join(dir, 'r.prom'), 'utf8');
    assert.match(
      prom,
      /^commbench_latency_seconds_bucket\{scenario="smoke",case="tcp[^"]*",.*pattern="tcp"/m,
    );
    if (existsSync('/usr/bin/promtool')) {
      const check = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: prom, encoding: 'utf8' });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    }
  } finally {
    delete process.env.OTEL_METRIC_EXPORT_INTERVAL;
    rx.server.close();
  }
});
