/**
 * Does the knee search's capacity reproduce? Runs it `--repeat` times (default 5) against nginx
 * limited to 3,000 requests/s by limit_req (excess queued, no nodelay; echo module), the same search
 * as test/engine/knee-nginx.test.ts, and prints each repetition's capacity, their spread (CV,
 * min–max), how long each search took and the machine's load average. Too long for the test suite
 * (five searches take ~1–2 min).
 *
 *   node --import tsx bench/knee-nginx.ts [--repeat 5]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { findNginx } from '../src/hops/nginx.js';
import { knownCapacity, searchNginx, startLimitedNginx } from '../test/engine/limited-nginx.js';

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '5' } } });
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 50) {
  console.error(`--repeat must be a whole number from 1 to 50, not '${values.repeat}'`);
  process.exit(2);
}
const nginx = findNginx();
if (!nginx) {
  console.error('nginx is not installed: apt-get install nginx libnginx-mod-http-echo');
  process.exit(2);
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`load average before: ${load()}`);
const server = await startLimitedNginx(nginx, knownCapacity, 1000);
try {
  const result = await searchNginx(server.url, repeat);
  for (const m of result.repetitions) {
    const s = m.search;
    console.log(`rep ${m.repetition}: ${s?.verdict ?? 'no search'} [${s?.durationMs ?? '?'} ms]`);
    for (const st of s?.steps ?? []) {
      const how = st.met ? 'met' : `broke: ${st.broke.join('; ')}`;
      console.log(
        `    ${st.rate}/s → ${Math.round(st.throughput)}/s, p99 ${(st.p99 / 1000).toFixed(1)} ms, ${how}`,
      );
    }
  }
  const merged = result.summary?.search;
  const spread = merged?.spread;
  const within = (c: number): boolean => c >= knownCapacity * 0.85 && c <= knownCapacity * 1.05;
  console.log(`capacities: ${(merged?.capacities ?? []).join(', ')} (nginx serves ${knownCapacity}/s)`);
  console.log(
    spread
      ? `spread: CV ${(100 * spread.cv).toFixed(1)}%, ${spread.min}–${spread.max}/s over ${spread.n} of ${repeat}`
      : 'spread: no repetition found a capacity',
  );
  console.log(
    `within −15%/+5%: ${(merged?.capacities ?? []).filter(within).length} of ${repeat}; load average after: ${load()}`,
  );
} finally {
  await server.stop();
}
