/**
 * The markdown report's Mermaid charts render: every ```mermaid block is parsed and rendered by the
 * real `mermaid` bundle (npm) in headless Chromium (Debian's), from a local page with no network,
 * and must give an SVG without a parse error. The markdown links no image files.
 * Skipped with a message when no Chromium is installed, except in CI (CI=true), where it fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { renderFormat } from '../../src/report/formats.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { mermaidCharts } from '../../src/report/mermaid.js';
import { buildSummary } from '../../src/report/model.js';
import { histogramResult } from '../fixtures/histograms.js';
import { makeResult } from '../fixtures/result.js';

const chromium = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => p !== undefined && p !== '' && existsSync(p),
);
const inCi = process.env.CI === 'true';
const skip =
  chromium === undefined && !inCi
    ? 'no Chromium found (install it: apt-get install -y chromium, or set CHROMIUM=/path); CI fails here instead of skipping'
    : false;

/** The ```mermaid blocks of a markdown text. */
export function mermaidBlocks(md: string): string[] {
  return [...md.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]!);
}

interface Rendered {
  readonly ok: boolean;
  readonly svg?: number;
  readonly rects?: number;
  readonly error?: string;
}

/** Renders each block with mermaid in headless Chromium; one entry per block. */
function renderInChromium(dir: string, blocks: readonly string[]): Rendered[] {
  const bundle = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');
  const page = `<!doctype html><html><head><meta charset="utf-8">
<script src="${pathToFileURL(bundle).href}"></script></head><body><pre id="out">pending</pre>
<script>
const blocks = ${JSON.stringify(blocks).replace(/</g, '\\u003c')};
(async () => {
  const out = [];
  try {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    for (let i = 0; i < blocks.length; i++) {
      try {
        await mermaid.parse(blocks[i]);
        const { svg } = await mermaid.render('c' + i, blocks[i]);
        const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
        const err = /Syntax error|Parse error/i.test(svg);
        out.push({ ok: !err && doc.documentElement.nodeName === 'svg', svg: svg.length,
          rects: doc.querySelectorAll('rect').length, ...(err ? { error: 'error SVG' } : {}) });
      } catch (e) { out.push({ ok: false, error: String(e && e.message || e) }); }
    }
  } catch (e) { out.push({ ok: false, error: 'mermaid: ' + String(e) }); }
  document.getElementById('out').textContent = JSON.stringify(out);
})();
</script></body></html>`;
  const file = join(dir, 'page.html');
  writeFileSync(file, page);
  const r = spawnSync(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--allow-file-access-from-files',
      '--virtual-time-budget=30000',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--dump-dom',
      pathToFileURL(file).href,
    ],
    { encoding: 'utf8', timeout: 90_000 },
  );
  assert.equal(r.status, 0, `chromium --dump-dom failed: ${String(r.stderr).slice(0, 500)}`);
  const m = /<pre id="out">([\s\S]*?)<\/pre>/.exec(String(r.stdout));
  assert.ok(m, 'no output element in the dumped DOM');
  const text = m[1]!
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  assert.notEqual(text, 'pending', 'the page script did not finish (mermaid not loaded?)');
  return JSON.parse(text) as Rendered[];
}

test('markdown has Mermaid charts and no relative image links', () => {
  const md = renderMarkdown(histogramResult());
  assert.doesNotMatch(md, /!\[[^\]]*\]\((?![a-z]+:)/i, 'no relative image links');
  assert.doesNotMatch(md, /\.svg\b/);
  assert.equal(mermaidBlocks(md).length, 4, 'latency and throughput for each of the two groups');
  const files = renderFormat(histogramResult(), 'markdown', { baseName: 'run' });
  assert.deepEqual(
    files.map((f) => f.suffix),
    ['.md'],
    'nothing written beside it that it does not link',
  );
});

test(
  'every Mermaid chart of the markdown report renders to an SVG in headless Chromium',
  { skip },
  async () => {
    assert.ok(chromium, 'CI=true and no Chromium: .ci/run must install it (apt-get install -y chromium)');
    // One group of 12 cases: the chart turns horizontal so the labels stay readable.
    const rows = buildSummary(histogramResult()).rows;
    const many = mermaidCharts([
      {
        label: 'many "quoted" cases',
        rows: [...rows, ...rows].map((r, i) => ({
          ...r,
          cells: { ...r.cells, case: `${r.cells.case} #${i}` },
        })),
      },
    ]).map((c) => c.source);
    assert.match(many[0]!, /^xychart-beta horizontal\n/);
    const blocks = [
      ...many,
      ...mermaidBlocks(renderMarkdown(histogramResult())),
      ...mermaidBlocks(renderMarkdown(makeResult())),
    ];
    assert.ok(blocks.length >= 8, `only ${blocks.length} blocks`);
    const dir = await mkdtemp(join(tmpdir(), 'commbench-mermaid-'));
    try {
      const rendered = renderInChromium(dir, [...blocks, 'xychart-beta\n  x-axis [a, b\n  bar [1, 2]']);
      if (process.env.DEBUG_MERMAID) console.log(JSON.stringify(rendered));
      assert.equal(rendered.length, blocks.length + 1);
      // The deliberately broken last block proves parse errors are caught, not rendered as charts.
      assert.equal(rendered.at(-1)!.ok, false, 'a broken block must fail to parse');
      rendered.slice(0, -1).forEach((r, i) => {
        assert.ok(r.ok, `block ${i} did not render: ${r.error ?? ''}\n${blocks[i]}`);
        assert.ok((r.rects ?? 0) >= 2, `block ${i}: no bars drawn`);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
