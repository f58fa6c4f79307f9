/**
 * Renders the HTML report in headless Chromium, as a reader would see it offline, and checks the
 * screenshot: the plot lines are drawn in the series colours, the DOM holds the inline SVG charts.
 * Skipped with a message when no Chromium is installed, except in CI (CI=true), where it fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { renderHtml } from '../../src/report/html.js';
import { histogramResult } from '../fixtures/histograms.js';
import type { Result } from '../../src/result/types.js';
import { capacityResult, makeResult } from '../fixtures/result.js';
import { countColor, decodePng } from './png.js';

const candidates = [
  process.env.CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];
const chromium = candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
const inCi = process.env.CI === 'true';
const skip =
  chromium === undefined && !inCi
    ? 'no Chromium found (install it: apt-get install -y chromium, or set CHROMIUM=/path); CI fails here instead of skipping'
    : false;

function chrome(dir: string, ...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${join(dir, 'profile')}`,
      ...args,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

test('the HTML report renders in headless Chromium with its plots drawn', { skip }, async () => {
  assert.ok(chromium, 'CI=true and no Chromium: .ci/run must install it (apt-get install -y chromium)');
  const dir = await mkdtemp(join(tmpdir(), 'commbench-html-'));
  try {
    const page = join(dir, 'report.html');
    await writeFile(page, renderHtml(histogramResult()));
    const url = pathToFileURL(page).href;

    const dom = chrome(dir, '--dump-dom', url);
    assert.equal(dom.status, 0, `chromium --dump-dom failed: ${String(dom.stderr).slice(0, 500)}`);
    const html = String(dom.stdout);
    assert.equal(
      html.match(/<svg /g)?.length,
      8,
      'per group (2 groups) latency by percentile, latency over time, throughput; CPU and bytes',
    );
    assert.match(html, /Latency by percentile — 64B/);
    assert.match(html, /Latency over time — 16KiB/);

    const shot = join(dir, 'shot.png');
    const run = chrome(dir, `--screenshot=${shot}`, '--window-size=1400,2000', '--hide-scrollbars', url);
    assert.equal(run.status, 0, `chromium --screenshot failed: ${String(run.stderr).slice(0, 500)}`);
    const img = decodePng(await readFile(shot));
    assert.equal(img.width, 1400);
    // The first three series colours (tcp, rest, grpc lines and legend) must be on screen.
    for (const color of ['#4e79a7', '#f28e2b', '#e15759']) {
      const n = countColor(img, color);
      assert.ok(n > 400, `only ${n} pixels of ${color}: the plot lines are not drawn`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'the summary table fits a 1400 px window (no horizontal overflow), even with long warnings',
  { skip },
  async () => {
    assert.ok(chromium, 'CI=true and no Chromium: .ci/run must install it (apt-get install -y chromium)');
    const dir = await mkdtemp(join(tmpdir(), 'commbench-html-'));
    try {
      // The report has no scripts; the test adds one that measures the laid-out table.
      const probe = `<script>addEventListener('load', () => {
      const t = document.getElementById('summary'), w = t.parentElement;
      const out = { right: t.getBoundingClientRect().right, viewport: document.documentElement.clientWidth,
        scroll: w.scrollWidth, client: w.clientWidth, page: document.documentElement.scrollWidth };
      const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
    });</script>`;
      const page = join(dir, 'report.html');
      await writeFile(page, renderHtml(makeResult()).replace('</body>', `${probe}</body>`));
      const dom = chrome(dir, '--window-size=1400,900', '--dump-dom', pathToFileURL(page).href);
      assert.equal(dom.status, 0, `chromium --dump-dom failed: ${String(dom.stderr).slice(0, 500)}`);
      const m = /<pre id="probe">([^<]*)<\/pre>/.exec(String(dom.stdout));
      assert.ok(m, 'probe did not run');
      const g = JSON.parse(m[1]!) as {
        right: number;
        viewport: number;
        scroll: number;
        client: number;
        page: number;
      };
      assert.ok(g.viewport >= 1380 && g.viewport <= 1400, `viewport ${g.viewport}`);
      assert.ok(g.right <= g.viewport, `table ends at ${g.right}px, window is ${g.viewport}px`);
      assert.ok(g.scroll <= g.client, `table scrolls: ${g.scroll}px in ${g.client}px`);
      assert.ok(g.page <= g.viewport, `page scrolls sideways: ${g.page}px`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

/**
 * histogramResult with rows whose names are long (a labelled case, options that tell two grpc
 * clients apart) and the capacity rows of a rest-vs-grpc run, in a 1.5 s window (a part second).
 */
function longLabelResult(): Result {
  const base = histogramResult();
  const cases = base.cases.flatMap((c) => {
    if (c.spec.pattern === 'grpc') {
      const other = { ...c.spec, id: `${c.spec.id} grpc-js`, options: { client: 'grpc-js' } };
      return [
        { ...c, spec: { ...c.spec, options: { client: 'frames' } } },
        { ...c, spec: other },
      ];
    }
    if (c.spec.pattern === 'rest') {
      const proxied = {
        ...c.spec,
        id: `${c.spec.id} proxied`,
        pattern: 'rest-proxy',
        label: 'through an nginx sidecar',
      };
      return [c, { ...c, spec: proxied }];
    }
    return [c];
  });
  return { ...base, cases, plan: { ...base.plan, cases: cases.map((c) => c.spec) } };
}

interface Clip {
  readonly text: string;
  readonly chart: string;
  readonly side: string;
}

interface Probe {
  readonly viewport: number;
  readonly page: number;
  readonly clipped: readonly Clip[];
  readonly offscreen: readonly string[];
  readonly texts: number;
}

/**
 * Measures the laid-out page: every <text> of every chart against its SVG's box (a label past the
 * edge is cut), and every warning line of the table against the window.
 */
const labelProbe = `<script>addEventListener('load', () => {
  const clipped = [];
  let texts = 0;
  for (const svg of document.querySelectorAll('.chart svg')) {
    const box = svg.getBoundingClientRect();
    const chart = svg.querySelector('text')?.textContent ?? '?';
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.width === 0 || t.textContent.trim() === '') continue;
      texts++;
      const side = r.left < box.left - 0.5 ? 'left' : r.right > box.right + 0.5 ? 'right'
        : r.top < box.top - 0.5 ? 'top' : r.bottom > box.bottom + 0.5 ? 'bottom' : '';
      if (side) clipped.push({ text: t.textContent, chart, side });
    }
  }
  const viewport = document.documentElement.clientWidth;
  const offscreen = [...document.querySelectorAll('tr.under td, #answer li')]
    .filter((e) => e.getBoundingClientRect().right > viewport + 0.5).map((e) => e.textContent.slice(0, 60));
  const pre = document.createElement('pre'); pre.id = 'probe';
  pre.textContent = JSON.stringify({ viewport, page: document.documentElement.scrollWidth, clipped, offscreen, texts });
  document.body.appendChild(pre);
});</script>`;

for (const width of [800, 1400]) {
  test(`at ${width} px no chart label is cut by its SVG and no warning is off-screen`, { skip }, async () => {
    assert.ok(chromium, 'CI=true and no Chromium: .ci/run must install it (apt-get install -y chromium)');
    const dir = await mkdtemp(join(tmpdir(), 'commbench-html-'));
    try {
      for (const [name, result] of [
        ['long-labels', longLabelResult()],
        ['capacity', capacityResult()],
      ] as const) {
        const page = join(dir, `${name}.html`);
        const html = renderHtml(result);
        await writeFile(page, html.replace('</body>', `${labelProbe}</body>`));
        const dom = chrome(dir, `--window-size=${width},1000`, '--dump-dom', pathToFileURL(page).href);
        assert.equal(dom.status, 0, `chromium --dump-dom failed: ${String(dom.stderr).slice(0, 500)}`);
        const m = /<pre id="probe">([^<]*)<\/pre>/.exec(String(dom.stdout));
        assert.ok(m, 'probe did not run');
        const g = JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Probe;
        assert.ok(g.texts > 50, `only ${g.texts} chart labels measured`);
        assert.deepEqual(g.clipped, [], `${name} at ${width}px: labels cut by the chart's edge`);
        assert.deepEqual(g.offscreen, [], `${name} at ${width}px: warnings off-screen`);
        assert.ok(g.page <= g.viewport, `${name} at ${width}px: the page scrolls sideways (${g.page}px)`);

        // The screenshot a reader sees: the plot lines drawn, at the window's width.
        await writeFile(page, html);
        const shot = join(process.env.COMMBENCH_SHOTS ?? dir, `${name}-${width}.png`);
        const run = chrome(
          dir,
          `--screenshot=${shot}`,
          `--window-size=${width},2400`,
          '--hide-scrollbars',
          pathToFileURL(page).href,
        );
        assert.equal(run.status, 0, `chromium --screenshot failed: ${String(run.stderr).slice(0, 500)}`);
        const img = decodePng(await readFile(shot));
        assert.equal(img.width, width);
        assert.ok(countColor(img, '#4e79a7') > 200, 'the first series colour is on screen');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
