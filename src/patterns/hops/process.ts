import { fork, type ChildProcess } from 'node:child_process';
import { childEntry } from '../../engine/child-args.js';
import type { WsNodeConfig } from '../ws-backplane/node.js';
import type { Outage } from './fail.js';

/**
 * Hop processes: the extra server processes a pattern's server starts (the services of a call
 * chain, reverse proxies). Each is a real process with its own socket. Forked hops hold an IPC
 * channel to the server process that started them and exit as soon as it closes, so they cannot
 * outlive it, even when it is SIGKILLed; `stop()` ends them explicitly.
 */
export interface HopProcess {
  /** What the process is, for results and messages, e.g. 'hop 2 (rest)', 'proxy 1 (nginx)'. */
  readonly role: string;
  readonly pid: number;
  /** Where the previous hop reaches it, e.g. 'http://127.0.0.1:40123'. */
  readonly url: string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<void>;
}

/** How a forked hop process serves (hop-main.ts reads it from COMMBENCH_HOP_CONFIG). */
export type HopConfig =
  | {
      readonly kind: 'service';
      readonly via: 'rest' | 'grpc';
      readonly host: string;
      /** 0 = any free port. */
      readonly port: number;
      /** The next hop's URL; absent for the last service, which answers the echo itself. */
      readonly next?: string;
      readonly traceContext: boolean;
      readonly delayMs: number;
      /** failHop: this service fails every call for a while (503 / UNAVAILABLE). */
      readonly outage?: Outage;
    }
  | { readonly kind: 'node-proxy'; readonly host: string; readonly port: number; readonly upstream: string }
  | {
      /** A stage of a queue chain (src/patterns/queue-chain/stage.ts): consumes `from`, republishes to `to`. */
      readonly kind: 'queue-stage';
      /** The broker, amqp://host:port. */
      readonly broker: string;
      readonly from: string;
      readonly to: string;
      readonly prefetch: number;
      readonly delayMs: number;
      /** failHop: this stage stops consuming for a while. */
      readonly outage?: Outage;
    }
  /** A WebSocket node of a scale-out (src/patterns/ws-backplane/node.ts). */
  | WsNodeConfig;

/** hop process → the server process that forked it. */
export type HopMessage = { type: 'ready'; url: string } | { type: 'error'; message: string };

const startTimeoutMs = 15_000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every hop this process forked (synchronous; runs on process exit). */
function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Forks one hop process and waits until it listens. */
export async function forkHop(role: string, config: HopConfig): Promise<HopProcess> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAll);
  }
  const entry = childEntry(import.meta.url, 'hop-main');
  const child = fork(entry.path, [], {
    execArgv: entry.execArgv,
    env: { ...process.env, COMMBENCH_HOP_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'json',
  });
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let hasExited = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      live.delete(child);
      resolve();
    });
  });
  const stop = async (graceMs = 1000): Promise<void> => {
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const url = await new Promise<string>((resolve, reject) => {
    const fail = (message: string): void => {
      cleanup();
      void stop(0);
      const said = stderr.trim().split('\n').pop();
      reject(new Error(`${role}: ${message}${said ? ` (it said: ${said})` : ''}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${startTimeoutMs / 1000}s`), startTimeoutMs);
    const onMessage = (m: HopMessage): void => {
      if (m.type === 'ready') {
        cleanup();
        resolve(m.url);
      } else fail(m.message);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited during start (${signal ?? `code ${code}`})`);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  return { role, pid: child.pid as number, url, stop, exited };
}

/** Stops hops concurrently, never throwing. */
export async function stopAll(hops: readonly HopProcess[]): Promise<void> {
  await Promise.all(hops.map((h) => h.stop().catch(() => undefined)));
}
