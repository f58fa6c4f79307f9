/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`, e.g. `npm run bench -- --cpu-prof`):
 * self time by function and by file, the biggest first.
 *
 *   node --import tsx bench/profile.ts bench/results/profiles/rest-w1.cpuprofile [top] [lastMs]
 *
 * With `lastMs`, only the samples of the profile's last lastMs ms count (the measured window, not
 * start-up); idle time is left out of the percentages.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, lastArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: node --import tsx bench/profile.ts FILE.cpuprofile [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
const times: number[] = [];
let t = 0;
for (const d of profile.timeDeltas) times.push((t += d));
const fromUs = lastArg === undefined ? -Infinity : t - Number(lastArg) * 1000;
profile.samples.forEach((id, i) => {
  if ((times[i] ?? 0) < fromUs || byId.get(id)?.callFrame.functionName === '(idle)') return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (url: string): string =>
  url
    .replace(/^file:\/\/.*\/node_modules\//, '')
    .replace(/^file:\/\/.*\/(src|bench)\//, '$1/')
    .replace(/^node:/, 'node:') || '(native)';

function tally(key: (n: ProfileNode) => string): [string, number][] {
  const sums = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const k = key(node);
    sums.set(k, (sums.get(k) ?? 0) + us);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n\nself time by function:\n`);
for (const [k, us] of tally(
  (n) =>
    `${n.callFrame.functionName || '(anonymous)'}  ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`,
).slice(0, top)) {
  process.stdout.write(`${pct(us)}  ${k}\n`);
}
process.stdout.write('\nself time by file (package):\n');
for (const [k, us] of tally((n) => {
  const url = shortUrl(n.callFrame.url);
  const pkg = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(url);
  return url.startsWith('src/') || url.startsWith('node:') || !pkg ? url : (pkg[1] as string);
}).slice(0, top)) {
  process.stdout.write(`${pct(us)}  ${k}\n`);
}
