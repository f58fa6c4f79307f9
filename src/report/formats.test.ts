import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectGolden } from '../../test/fixtures/golden.js';
import { histogramResult } from '../../test/fixtures/histograms.js';
import { capacityResult, makeResult } from '../../test/fixtures/result.js';
import { latencyPercentileChart, percentileLabel } from './charts.js';
import { renderCsv } from './csv.js';
import { parseFormats, renderFormat } from './formats.js';
import { renderHgrm } from './hgrm.js';
import { renderHtml } from './html.js';
import { openCharts, renderMarkdown } from './markdown.js';

test('markdown matches test/golden/report.md: answer first, grouped rows, warnings in the row', async () => {
  const md = renderMarkdown(makeResult());
  await expectGolden('report.md', md);
  assert.match(md, /^### rest-vs-grpc\n\n.*\n\n\*\*Answer\*\*\n/);
  assert.match(md, /\| \*\*64B · closed c=50×1\*\* \| tcp \|/);
  assert.match(md, /⚠️ \*\*DRIVER-LIMITED\*\*/);
  assert.match(
    md,
    /```mermaid\nxychart-beta\n {2}title "Latency — 64B · closed c=50×1 \(ms\): p99 bar, p50 bar inside it"/,
  );
  assert.doesNotMatch(md, /!\[/, 'no image links');
});

test('markdown of a rest-vs-grpc-shaped result fits a PR comment', () => {
  const md = renderMarkdown(capacityResult());
  assert.ok(Buffer.byteLength(md) <= 10 * 1024, `${Buffer.byteLength(md)} bytes`);
  for (const row of md.split('\n').filter((l) => l.startsWith('|')))
    assert.ok(row.length <= 250, `${row.length} characters: ${row}`);
  const open = md.split('<details>')[0]!;
  assert.ok((open.match(/```mermaid/g) ?? []).length <= openCharts, 'a few charts open, the rest folded');
  assert.match(md, /cut at 80 ms/, 'a clipped scale says so');
});

test('HTML matches test/golden/report.html and is self-contained', async () => {
  const html = renderHtml(histogramResult());
  await expectGolden('report.html', html);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'no scripts, no network');
  assert.equal(html.match(/<svg /g)?.length, 8);
  assert.equal(renderHtml(histogramResult()), html, 'deterministic');
});

test('CSV matches test/golden/report.csv: a row per case summary and repetition', async () => {
  const csv = renderCsv(makeResult());
  await expectGolden('report.csv', csv);
  const lines = csv.trimEnd().split('\n');
  assert.equal(
    lines.length,
    1 + 9 + 1 + 1 + 1 + 1 + 3 + 1 + 1 + 2,
    'header, 9 summaries (one case has none), 11 repetitions',
  );
  assert.ok(lines.every((l) => l.split(',').length >= 37));
});

test('CSV quotes a field holding a comma, quote or line break (RFC 4180) and nothing else', () => {
  const base = makeResult();
  const c = base.cases[0]!;
  const odd = { ...c, spec: { ...c.spec, id: 'tcp "odd", case', options: { note: 'a\nb' } } };
  const [, row] = renderCsv({ ...base, cases: [odd] }).split(/\n(?=tcp|")/);
  assert.match(row!, /^"tcp ""odd"", case",tcp,"\{""note"":""a\\nb""\}",64,/);
  const multi = { ...c, spec: { ...c.spec, id: 'tcp 2', options: { note: 'a\rb,' } } };
  assert.match(renderCsv({ ...base, cases: [multi] }), /\ntcp 2,tcp,"\{""note"":""a\\rb,""\}",/);
});

test('.hgrm matches test/golden/tcp-64B.hgrm (HdrHistogram percentile distribution, ms)', async () => {
  const files = renderHgrm(histogramResult());
  assert.deepEqual(
    files.map((f) => f.slug),
    [
      'tcp-closed-c-32-64B',
      'rest-closed-c-32-64B',
      'grpc-closed-c-32-64B',
      'tcp-closed-c-32-16KiB',
      'rest-closed-c-32-16KiB',
      'grpc-closed-c-32-16KiB',
    ],
  );
  await expectGolden('tcp-64B.hgrm', files[0]!.text);
  assert.match(files[0]!.text, /^ +Value +Percentile +TotalCount 1\/\(1-Percentile\)/);
  assert.match(files[0]!.text, /#\[Max +=/);
  assert.deepEqual(renderHgrm(makeResult()), [], 'no histograms, no files');
});

test('latency chart matches test/golden/latency.svg; percentile axis labels', async () => {
  const r = histogramResult();
  const svg = latencyPercentileChart(
    r.cases.slice(0, 3).map((c) => ({ label: c.spec.pattern, latency: c.summary!.latency })),
    'Latency by percentile',
    { id: 'g' },
  );
  await expectGolden('latency.svg', svg);
  assert.deepEqual([1, 2, 10, 100, 1000, 1e5].map(percentileLabel), [
    '0%',
    '50%',
    '90%',
    '99%',
    '99.9%',
    '99.999%',
  ]);
});

test('markdown is one file, nothing written beside it that it does not link; formats parse with aliases and errors', () => {
  const files = renderFormat(histogramResult(), 'markdown', { baseName: 'run' });
  assert.deepEqual(
    files.map((f) => f.suffix),
    ['.md'],
  );
  assert.deepEqual(parseFormats('md, html,markdown'), ['markdown', 'html']);
  assert.throws(() => parseFormats('markdown,pdf'), /unknown report format "pdf"/);
});
