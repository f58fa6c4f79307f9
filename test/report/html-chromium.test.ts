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
    assert.equal(html.match(/<svg /g)?.length, 5, 'latency + throughput per group (2 groups) and bytes');
    assert.match(html, /Latency by percentile — 64B/);

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
