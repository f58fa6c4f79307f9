/**
 * OpenTelemetry metrics pushed during a run (`run --otlp http://collector:4318`), through the
 * official SDK (@opentelemetry/sdk-metrics) and its OTLP/HTTP protobuf exporter. Every second of a
 * measured window adds to counters and sets live gauges; every finished repetition sets its final
 * figures (percentiles from the merged HDR histogram, throughput, CPU per operation by side).
 * Attributes: scenario, case, case_id, pattern, payload_bytes, load (as in `--format openmetrics`).
 * A collector that is down never fails the run: failed exports are counted and reported once.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';
import type { Progress } from '../engine/driver.js';
import { CommbenchError } from '../errors.js';
import { caseLabels, formatLoad } from '../report/model.js';
import type { CaseResult } from '../result/types.js';
import type { CaseSpec, Plan } from '../plan/types.js';

export interface OtlpOptions {
  /** The collector's base URL (http://host:4318) or its full metrics URL (…/v1/metrics). */
  readonly url: string;
  readonly plan: Plan;
  readonly version: string;
  /** How often metrics are pushed, ms (default: OTEL_METRIC_EXPORT_INTERVAL or 5000). */
  readonly intervalMs?: number;
  /** How long one push may take, retries included, ms (default 5000). */
  readonly timeoutMs?: number;
}

/** 'http://c:4318' → 'http://c:4318/v1/metrics'; a URL already ending in /v1/metrics is kept. */
export function metricsUrl(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CommbenchError('E_USAGE', `--otlp ${base}: not an http(s) URL`, {
      hint: 'give the collector’s OTLP/HTTP endpoint, e.g. --otlp http://127.0.0.1:4318',
    });
  }
  if (!url.pathname.endsWith('/v1/metrics')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/metrics`;
  return url.href;
}

type ExportCallback = Parameters<PushMetricExporter['export']>[1];

/** The OTLP exporter, counting what failed so the CLI can say so once at the end. */
class CountingExporter implements PushMetricExporter {
  exports = 0;
  failures = 0;
  lastError: string | undefined;
  constructor(private readonly inner: PushMetricExporter) {}
  export(metrics: ResourceMetrics, done: ExportCallback): void {
    this.inner.export(metrics, (r) => {
      this.exports++;
      if (r.code !== 0) {
        this.failures++;
        this.lastError = r.error?.message ?? 'export failed';
      }
      done(r);
    });
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** Live and per-repetition metrics of one run, pushed to an OTLP collector. */
export class OtlpExport {
  readonly #provider: MeterProvider;
  readonly #exporter: CountingExporter;
  readonly #attributes = new Map<string, Attributes>();
  readonly #i;

  constructor(opts: OtlpOptions) {
    const url = metricsUrl(opts.url);
    const env = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL);
    const interval = opts.intervalMs ?? (Number.isFinite(env) && env > 0 ? env : 5000);
    const timeout = Math.min(interval, opts.timeoutMs ?? 5000);
    this.#exporter = new CountingExporter(new OTLPMetricExporter({ url, timeoutMillis: timeout }));
    this.#provider = new MeterProvider({
      resource: resourceFromAttributes({
        'service.name': 'commbench',
        'service.version': opts.version,
        'commbench.scenario': opts.plan.name,
      }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: this.#exporter,
          exportIntervalMillis: interval,
          exportTimeoutMillis: timeout,
        }),
      ],
    });
    const labels = caseLabels(opts.plan.cases);
    opts.plan.cases.forEach((spec, i) =>
      this.#attributes.set(spec.id, {
        scenario: opts.plan.name,
        case: labels[i]!,
        case_id: spec.id,
        pattern: spec.pattern,
        payload_bytes: spec.payload.size,
        load: formatLoad(spec),
      }),
    );
    const meter = this.#provider.getMeter('commbench', opts.version);
    this.#i = {
      ops: meter.createCounter('commbench.operations', {
        unit: '{operation}',
        description: 'Operations finished (ok or failed) in measured windows.',
      }),
      errors: meter.createCounter('commbench.errors', {
        unit: '{operation}',
        description: 'Failed operations in measured windows.',
      }),
      liveRate: meter.createGauge('commbench.live.throughput', {
        unit: '{operation}/s',
        description: 'Operations per second over the last second of the current window.',
      }),
      liveP99: meter.createGauge('commbench.live.latency.p99', {
        unit: 's',
        description: 'p99 latency of the current second.',
      }),
      latency: meter.createGauge('commbench.latency', {
        unit: 's',
        description: 'Latency of the last finished repetition, by percentile (p50, p90, p99, p99.9, max).',
      }),
      throughput: meter.createGauge('commbench.throughput', {
        unit: '{operation}/s',
        description: 'Throughput of the last finished repetition.',
      }),
      cpu: meter.createGauge('commbench.cpu.per_operation', {
        unit: 's',
        description: 'CPU time per operation of the last finished repetition, by side (driver, server).',
      }),
      repetitions: meter.createCounter('commbench.repetitions', {
        unit: '{repetition}',
        description: 'Finished repetitions, by end reason.',
      }),
    };
  }

  #attrs(spec: CaseSpec): Attributes {
    return this.#attributes.get(spec.id) ?? { case_id: spec.id, pattern: spec.pattern };
  }

  /** One progress tick of the driver (about once a second); warm-up ticks are not counted. */
  tick(spec: CaseSpec, p: Progress): void {
    if (p.phase !== 'measure') return;
    const a = this.#attrs(spec);
    this.#i.ops.add(p.ops, a);
    this.#i.errors.add(p.errors, a);
    this.#i.liveRate.record(p.opsPerSec, a);
    this.#i.liveP99.record(p.p99 / 1e6, a);
  }

  /** A repetition finished: its final figures. */
  caseFinished(result: CaseResult): void {
    const a = this.#attrs(result.spec);
    const m = result.repetitions.at(-1);
    this.#i.repetitions.add(1, { ...a, end_reason: m?.endReason ?? result.status });
    if (!m) return;
    const l = m.delivery ? m.delivery.latency : m.latency;
    for (const [percentile, us] of [
      ['p50', l.p50],
      ['p90', l.p90],
      ['p99', l.p99],
      ['p99.9', l.p999],
      ['max', l.max],
    ] as const)
      this.#i.latency.record(us / 1e6, { ...a, percentile });
    this.#i.throughput.record(m.delivery ? m.delivery.throughput : m.throughput, a);
    this.#i.cpu.record(m.driver.cpuUsPerOp / 1e6, { ...a, side: 'driver' });
    if (m.server) this.#i.cpu.record(m.server.cpuUsPerOp / 1e6, { ...a, side: 'server' });
  }

  /**
   * Pushes what is left and stops. Returns a one-line warning when exports failed (the run itself
   * is not failed for it), else undefined.
   */
  async shutdown(): Promise<string | undefined> {
    // Shutting down collects and pushes once more: the final figures reach the collector.
    await this.#provider.shutdown().catch(() => undefined);
    const e = this.#exporter;
    if (e.failures === 0) return undefined;
    return `otlp: ${e.failures} of ${e.exports} metric exports failed (${e.lastError ?? 'unknown error'})`;
  }
}
