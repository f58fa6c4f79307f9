/**
 * Reference loops for patterns without an established load generator: what someone would write by
 * hand to measure the server, with nothing of commbench in them. `--kind ws`: one `ws` WebSocket
 * per connection to /echo, send the record's JSON, send again on each answer. `--kind tcp`: one
 * node:net socket per connection, a pre-encoded length-prefixed frame per op, next on each whole
 * echo. Closed loop, one op in flight per connection; each answer's length is checked. Prints one
 * JSON line (a DriverOutput, the fields the bench reads) on stdout.
 *
 *   node --import tsx bench/plain.ts --kind tcp --url tcp://127.0.0.1:PORT --connections 50 \
 *     --warmup-ms 1000 --duration-ms 4000 --size 1024
 */
import { connect as netConnect } from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { makeRecord } from '../src/message.js';
import type { DriverOutput } from './driver.js';

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'tcp' },
    url: { type: 'string' },
    connections: { type: 'string', default: '50' },
    'warmup-ms': { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '4000' },
    size: { type: 'string', default: '1024' },
  },
});
if (values.url === undefined) throw new Error('--url is required');
const url = new URL(values.url);
const connections = Number(values.connections);
const warmupMs = Number(values['warmup-ms']);
const durationMs = Number(values['duration-ms']);
const record = makeRecord(Number(values.size), 'mixed');
const json = JSON.stringify(record);

const t0 = performance.now();
const windowStart = t0 + warmupMs;
const windowEnd = windowStart + durationMs;
const latencies: number[] = [];
let errors = 0;
let open = connections;
let finish: () => void = () => undefined;
const finished = new Promise<void>((resolve) => (finish = resolve));

/** Records one completed op sent at `sentAt`; true while the loop should go on. */
function completed(sentAt: number): boolean {
  const now = performance.now();
  if (now >= windowStart && now <= windowEnd) latencies.push((now - sentAt) * 1000);
  return now < windowEnd;
}

function done(): void {
  if (--open === 0) finish();
}

function wsConnection(): void {
  const ws = new WebSocket(new URL('/echo', url), { perMessageDeflate: false });
  let sentAt = 0;
  const send = (): void => {
    sentAt = performance.now();
    ws.send(json);
  };
  ws.on('open', send);
  ws.on('message', (data: Buffer) => {
    if (data.length !== json.length) errors++;
    if (completed(sentAt)) send();
    else ws.close();
  });
  ws.on('error', () => errors++);
  ws.on('close', done);
}

function tcpConnection(): void {
  const body = Buffer.from(json);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  const socket = netConnect({ host: url.hostname, port: Number(url.port), noDelay: true });
  let sentAt = 0;
  let received = 0;
  const send = (): void => {
    sentAt = performance.now();
    socket.write(frame);
  };
  socket.on('connect', send);
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received < frame.length) return;
    if (received > frame.length) errors++;
    received = 0;
    if (completed(sentAt)) send();
    else socket.end();
  });
  socket.on('error', () => errors++);
  socket.on('close', done);
}

for (let i = 0; i < connections; i++) {
  if (values.kind === 'ws') wsConnection();
  else tcpConnection();
}
const timer = setTimeout(finish, warmupMs + durationMs + 5000);
await finished;
clearTimeout(timer);
latencies.sort((a, b) => a - b);
const at = (p: number): number =>
  latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? 0;
const output: DriverOutput = {
  status: 'ok',
  ops: latencies.length,
  errors,
  durationMs,
  throughput: latencies.length / (durationMs / 1000),
  p50Us: at(50),
  p99Us: at(99),
  engineDriverCpuUsPerOp: 0,
  limitedBy: 'none',
  limitedWhy: '',
  eventLoopUtilization: 0,
};
process.stdout.write(JSON.stringify(output) + '\n');
process.exit(0);
