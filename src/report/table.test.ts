import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectGolden } from '../../test/fixtures/golden.js';
import { capacityResult, makeCases, makeResult, spec } from '../../test/fixtures/result.js';
import { openLoopRules } from '../engine/load/open.js';
import { decideVerdict } from '../engine/verdict.js';
import { renderJson } from '../result/json.js';
import { schemaVersion } from '../result/types.js';
import { buildSummary, caseLabels } from './model.js';
import stringWidth from 'string-width';
import { parseColumns, renderTable } from './table.js';

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[/;

test('table of the synthetic result matches test/golden/table.txt', async () => {
  await expectGolden('table.txt', renderTable(makeResult()));
});

test('an interrupted run shows the cases that never ran and says how it ended', async () => {
  const cases = makeCases().slice(0, 3);
  const last = cases[2]!;
  cases[2] = {
    ...last,
    status: 'interrupted',
    repetitions: last.repetitions.map((r) => ({ ...r, endReason: 'interrupted', durationMs: 3_200 })),
  };
  const result = makeResult({
    cases,
    endReason: 'interrupted',
    endMessage: 'SIGINT received (Ctrl-C)',
  });
  const text = renderTable(result);
  await expectGolden('table-interrupted.txt', text);
  assert.match(text, /RUN INTERRUPTED: SIGINT received/);
  assert.equal(text.match(/not run/g)?.length, 6 + 1, 'a flag per case that did not run, and one note');
  assert.match(text.split('\n')[0]!, /RUN INTERRUPTED$/);
});

test('the table is plain text without color and fits 160 columns', () => {
  const text = renderTable(makeResult());
  assert.doesNotMatch(text, ansi);
  for (const line of text.split('\n')) assert.ok([...line].length <= 160, `too wide: ${line}`);
});

test('a narrow terminal leaves out the least essential columns and says so', async () => {
  const text = renderTable(makeResult(), { width: 80 });
  await expectGolden('table-80.txt', text);
  for (const line of text.split('\n')) assert.ok(stringWidth(line) <= 80, `too wide: ${line}`);
  assert.match(
    text,
    /\n {2}graphql +- .*\n {6}failed; E_SERVER_START: server did not report ready within 10s\n/,
  );
  assert.match(text.replace(/\n {2}/g, ' '), /Columns left out to fit 80 columns: p99\.9, max, wire/);
  assert.equal(renderTable(makeResult(), { width: 400 }), renderTable(makeResult()));
});

test('at 80, 120 and 160 columns every line fits; p50, p99, payload and both CPU columns stay from 120 up', async () => {
  const result = capacityResult();
  for (const width of [80, 120, 160]) {
    const text = renderTable(result, { width });
    await expectGolden(`table-width-${width}.txt`, text);
    for (const line of text.split('\n'))
      assert.ok(stringWidth(line) <= width, `${stringWidth(line)} > ${width}: ${line}`);
    const header = text.split('\n').find((l) => l.startsWith('case '))!;
    const expected =
      width >= 120 ? ['p50', 'p99', 'payload', 'srv CPU', 'drv CPU'] : ['p50', 'p99', 'payload'];
    for (const title of expected) assert.ok(header.includes(title), `${width}: no ${title} in ${header}`);
    assert.match(text, /\n {2}tcp capacity +[\d,]+ /, 'capacity rows say capacity');
    assert.match(text, /\n {6}capacity 16,000\/s/, "the search's verdict under its row");
  }
  const wide = renderTable(result, { wide: true, width: 80 });
  assert.ok(
    wide.split('\n').some((l) => stringWidth(l) > 160),
    '--wide: everything on one line, no limit',
  );
  const chosen = renderTable(result, { columns: ['p50', 'payload'], width: 80 });
  assert.match(chosen, /\ncase +p50 +payload\n/);
});

test('--columns names: titles, keys and spellings; a typo gets a did-you-mean', () => {
  assert.deepEqual(parseColumns('p50, p99,payload,srv-cpu,drv CPU,ops/s'), [
    'p50',
    'p99',
    'payload',
    'serverCpu',
    'driverCpu',
    'opsPerSec',
  ]);
  assert.throws(() => parseColumns('p50,paylod'), /unknown column "paylod" \(did you mean 'payload'\?\)/);
});

test('color adds ANSI sequences only when asked', () => {
  const text = renderTable(makeResult(), { color: true });
  assert.match(text, ansi);
  // eslint-disable-next-line no-control-regex
  assert.equal(text.replace(/\u001b\[\d+m/g, ''), renderTable(makeResult()));
});

test('every trust problem is flagged on its row', () => {
  const rows = buildSummary(makeResult()).rows;
  const flagsOf = (pattern: string, size: number) =>
    rows.find((r) => r.spec.pattern === pattern && r.spec.payload.size === size)?.cells.flags;
  assert.equal(flagsOf('rest', 16 * 1024), 'DRIVER-LIMITED');
  // Operations dropped at maxInFlight: the server side limited the open schedule.
  assert.equal(flagsOf('rest', 1024), 'SERVER-LIMITED dropped 9.4%');
  assert.equal(flagsOf('websocket', 1024), 'server-crashed, reps=2 ±3.1%');
  assert.equal(flagsOf('graphql', 1024), 'failed');
  assert.equal(flagsOf('grpc', 64), 'reps=3 ±4.0%');
  assert.equal(flagsOf('tcp', 64), '');
});

test('a partial repetition in an ok case is flagged partial', () => {
  const c = makeCases()[0]!;
  const result = makeResult({
    cases: [{ ...c, repetitions: [{ ...c.repetitions[0]!, endReason: 'failed', durationMs: 2_500 }] }],
  });
  const row = buildSummary(result).rows[0]!;
  assert.equal(row.cells.flags, 'partial');
  assert.match(
    renderTable(result),
    /partial: tcp 64B \(closed c=50×1\): repetition #1 ended \(failed\) after 2\.5s/,
  );
});

test('labels show what varies and fall back to the id when rows would read the same', () => {
  const a = spec('grpc', 1024, { options: { mode: 'unary' } });
  const b = spec('grpc', 1024, { options: { mode: 'bidi' }, id: 'grpc bidi' });
  assert.deepEqual(caseLabels([a, b]), ['grpc 1KiB mode=unary', 'grpc 1KiB mode=bidi']);
  const c = { ...spec('rest', 64), durationMs: 1_000, id: 'rest short' };
  const d = { ...spec('rest', 64), id: 'rest long' };
  assert.deepEqual(caseLabels([c, d]), ['rest short', 'rest long']);
});

test('json is pretty, ends with a newline and round-trips', async () => {
  const result = makeResult();
  const text = renderJson(result);
  assert.ok(text.startsWith(`{\n  "schemaVersion": ${schemaVersion},`));
  assert.deepEqual(JSON.parse(text), result);
  await expectGolden('result.json', text);
});

test('a rate row whose operations waited for the server is flagged SERVER-LIMITED, with the backlog', () => {
  const c = makeCases().find((k) => k.spec.load.model === 'rate')!;
  const m = c.summary!;
  const figures = {
    ...m,
    drained: 120,
    backlog: { queued: 2_000, waitP99: 850_000, waitMax: 990_000 },
  };
  const summary = { ...figures, verdict: decideVerdict(figures, openLoopRules(2000, 100)) };
  const result = makeResult({ cases: [{ ...c, summary, repetitions: [summary] }] });
  const row = buildSummary(result).rows.find((r) => r.spec.id === c.spec.id)!;
  assert.match(row.cells.flags, /SERVER-LIMITED queued 2,000/);
  assert.doesNotMatch(row.cells.flags, /DRIVER-LIMITED/);
  const text = renderTable(result).replace(/\n {2}/g, ' ');
  assert.match(
    text,
    /SERVER-LIMITED: .*the server, not the load generator, limited the run \(2000 of 18126 operations \(11\.0%\) found every connection busy/,
  );
  assert.match(text, /120 operations due in the window completed only after it \(drained/);
});

test('where operations failed, the notes say the percentiles are of successful ones and give the failed ones', () => {
  const c = makeCases().find((k) => (k.summary?.errors.total ?? 0) > 0)!;
  const m = c.summary!;
  const failedLatency = { ...m.latency, count: m.errors.total, p99: 5_000_000, max: 5_010_000 };
  const summary = { ...m, failedLatency };
  const result = makeResult({ cases: [{ ...c, summary, repetitions: [summary] }] });
  const text = renderTable(result).replace(/\n {2}/g, ' ');
  assert.match(
    text,
    /The latency percentiles are of successful operations only; the \d+ failed ones took p99 5\.00s, max 5\.01s\./,
  );
});

test("a failed case's error is printed once, not again as a 'failed:' line because the row shortened it", () => {
  const message =
    'rest server at http://127.0.0.1:18555/definitely/not/echo did not answer a first message as expected: HTTP 404 on POST /definitely/not/echo (expected 200): wrong path?';
  const failed = spec('rest', 256);
  const result = makeResult({
    plan: { ...makeResult().plan, cases: [failed] },
    cases: [{ spec: failed, status: 'failed', error: { code: 'E_RUN_FAILED', message }, repetitions: [] }],
  });
  const text = renderTable(result);
  assert.equal(text.split('did not').length - 1, 1, text);
});

test('a held-connections row says how long opening took, the broadcast, and the processes and addresses it was spread over', () => {
  const c = makeCases()[0]!;
  const m = c.repetitions[0]!;
  const held = {
    ...m,
    driver: { ...m.driver, processes: 6, sourceAddresses: 4 },
    connections: {
      requested: 100_000,
      opened: 100_000,
      failed: 0,
      subscriptions: true,
      openMs: 54_300,
      concurrency: 500,
      heldOpen: 100_000,
      driverRssPerConnectionBytes: 3_000,
      fdLimit: 20_000,
      broadcast: {
        subscribers: 100_000,
        received: 99_990,
        p50Us: 900_000,
        p99Us: 1_440_000,
        lastUs: 1_600_000,
        waitedMs: 10_000,
      },
    },
  };
  const s = { ...c.spec, serverProcesses: 6 };
  const base = makeResult({ cases: [{ ...c, spec: s, repetitions: [held], summary: held }] });
  const result = { ...base, plan: { ...base.plan, cases: [s] } };
  const detail = buildSummary(result).rows[0]!.cells.detail;
  assert.match(detail, /opened in 54\.30s/);
  assert.match(detail, /broadcast p50 900ms p99 1\.44s last 1\.60s, 10 of 100,000 not received/);
  assert.match(detail, /6 driver processes, 6 server processes, 4 source addresses/);
});
