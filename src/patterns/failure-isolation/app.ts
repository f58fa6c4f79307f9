/**
 * Entry of one failure-isolation app process (forked by server.ts): serves its components'
 * endpoints (a JSON echo each), tells its supervisor when the first request arrives, and, told to
 * leak, keeps JS heap until V8 ends the process at its heap limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errnoCode } from '../../errors.js';
import { ServiceDelay } from '../../toolkit/delay.js';
import { answerEmpty, echoJson, serveHttp } from '../../toolkit/net-util.js';
import type { Component } from './index.js';

/** What server.ts passes in COMMBENCH_APP_CONFIG. */
export interface AppConfig {
  readonly serves: readonly Component[];
  readonly host: string;
  /** 0 = any free port (the first start); a restart listens where the first one did. */
  readonly port: number;
  /** The scenario's `server.delay`, ms, before every answer. */
  readonly delayMs: number;
}

/** app → supervisor, and supervisor → app ('leak'). */
export type AppMessage =
  | { type: 'ready'; url: string }
  | { type: 'error'; message: string }
  | { type: 'first-request' }
  | { type: 'leak' };

const send = (m: AppMessage) => process.send?.(m);

/** Keeps about 2 MiB of JS heap (an array of 262,144 small integers) every 5 ms, for ever. */
function leak(): void {
  const kept: number[][] = [];
  setInterval(() => kept.push(new Array<number>(262_144).fill(kept.length)), 5);
}

async function main(): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  const config = JSON.parse(process.env.COMMBENCH_APP_CONFIG ?? '{}') as AppConfig;
  const paths = new Set(config.serves.map((c) => `/${c}`));
  const delay = new ServiceDelay(config.delayMs);
  let first = true;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (first) {
      first = false;
      send({ type: 'first-request' });
    }
    if (req.method !== 'POST' || !paths.has(req.url ?? '')) return answerEmpty(req, res, 404);
    echoJson(req, res, delay);
  };
  process.on('message', (m: AppMessage) => {
    if (m.type === 'leak' && config.serves.includes('image')) leak();
  });
  try {
    const server = await serveHttp({ host: config.host, port: config.port }, handle);
    send({ type: 'ready', url: server.url });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    send({ type: 'error', message: `${errnoCode(err) ?? 'ESTART'}: ${message}` });
    process.exit(1);
  }
}

void main();
