/**
 * `--json` on the commands that print a summary (run, report, merge): the answer and one object
 * per row, numbers in base units (µs, bytes, ops/s), for scripts and CI steps that would otherwise
 * scrape the table. The full result is the result file (`--out -` prints it). Pure.
 */
import type { Result } from '../result/types.js';
import { buildAnswer, type Answer } from './answer.js';
import { buildSummary } from './model.js';

/** One row of the summary, in base units; absent fields had no value. */
export interface SummaryJsonRow {
  readonly id: string;
  readonly case: string;
  readonly load: string;
  readonly opsPerSec?: number;
  readonly p50Us?: number;
  readonly p99Us?: number;
  readonly payloadBytes?: number;
  readonly serverCpuUsPerOp?: number;
  readonly driverCpuUsPerOp?: number;
  readonly errors?: number;
  /** A capacity search's capacity, ops/s (absent when it found none). */
  readonly capacity?: number;
  /** The row's flags as the table shows them ('DRIVER-LIMITED', 'dropped 12 (0.1%)'). */
  readonly flags: readonly string[];
}

export interface SummaryJson {
  readonly scenario: string;
  /** Where the result was written, when it was. */
  readonly result?: string;
  readonly endReason: Result['endReason'];
  readonly answer: Answer;
  readonly rows: readonly SummaryJsonRow[];
}

/** The summary of `result` as an object (see SummaryJson). */
export function summaryJson(result: Result, path?: string): SummaryJson {
  const summary = buildSummary(result);
  const rows = summary.rows.map((r): SummaryJsonRow => {
    const m = r.result?.summary;
    const latency = m ? (m.delivery?.latency ?? m.latency) : undefined;
    return {
      id: r.spec.id,
      case: r.cells.case,
      load: r.cells.load,
      ...(m ? { opsPerSec: m.delivery ? m.delivery.throughput : m.throughput } : {}),
      ...(latency ? { p50Us: latency.p50, p99Us: latency.p99 } : {}),
      ...(m
        ? { payloadBytes: m.payload.perOp, driverCpuUsPerOp: m.driver.cpuUsPerOp, errors: m.errors.total }
        : {}),
      ...(m?.server ? { serverCpuUsPerOp: m.server.cpuUsPerOp } : {}),
      ...(m?.search?.capacity === undefined ? {} : { capacity: m.search.capacity }),
      flags: r.flags.map((f) => f.text),
    };
  });
  return {
    scenario: result.plan.name,
    ...(path === undefined ? {} : { result: path }),
    endReason: result.endReason,
    answer: buildAnswer(result, summary),
    rows,
  };
}

/** summaryJson as pretty JSON with a final newline. */
export function renderSummaryJson(result: Result, path?: string): string {
  return `${JSON.stringify(summaryJson(result, path), null, 2)}\n`;
}
