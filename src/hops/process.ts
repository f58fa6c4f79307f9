import { childEntry } from '../proc/child-args.js';
import { awaitReady, forkGroup, isNotReady } from '../proc/spawn.js';
import type { RunningServer } from '../toolkit/contract.js';
import type { Outage } from './fail.js';

/**
 * Hop processes: the extra server processes a pattern's server starts (the services of a call
 * chain, reverse proxies). Each is a real process with its own socket and process group (src/proc).
 * Forked hops hold an IPC channel to the server process that started them and exit as soon as it
 * closes, so they cannot outlive it, even when it is SIGKILLed; `stop()` ends them explicitly.
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
  /** A hop whose code lives with its pattern (see moduleHop). */
  | ModuleHopConfig;

/**
 * A hop served by a module of a pattern (a queue chain's stage, a WebSocket node, a gRPC service):
 * hop-main.ts imports `module` and calls its `startHop(config)`, so hops/ names no pattern.
 */
export interface ModuleHopConfig {
  readonly kind: 'module';
  /** The module's file, from childEntry (the built .js when the hop process runs built code). */
  readonly module: string;
  /** The module's own configuration, JSON. */
  readonly config: unknown;
}

/** What a module named by a ModuleHopConfig exports: starts the hop from its configuration. */
export type HopEntry = (config: unknown) => Promise<RunningServer>;

/** The hop served by `startHop` of the sibling module `name` of the module at `fromUrl`. */
export function moduleHop(fromUrl: string, name: string, config: unknown): ModuleHopConfig {
  return { kind: 'module', module: childEntry(fromUrl, name).path, config };
}

/** hop process → the server process that forked it. */
export type HopMessage = { type: 'ready'; url: string } | { type: 'error'; message: string };

const startTimeoutMs = 15_000;

/** Forks one hop process (its own process group) and waits until it listens. */
export async function forkHop(role: string, config: HopConfig): Promise<HopProcess> {
  const entry = childEntry(import.meta.url, 'hop-main');
  const proc = forkGroup(entry, { COMMBENCH_HOP_CONFIG: JSON.stringify(config) }, { tailBytes: 2000 });
  const exited = proc.exited.then(() => undefined);
  const stop = async (graceMs = 1000): Promise<void> => {
    if (proc.hasExited) return;
    proc.kill('SIGTERM');
    await proc.wait(graceMs);
  };
  const ready = await awaitReady<Extract<HopMessage, { type: 'ready' }>>(proc, startTimeoutMs).catch(
    async (err: unknown) => {
      if (!isNotReady(err)) throw err;
      await stop(0);
      const message =
        err.reason === 'error'
          ? err.message
          : err.reason === 'timeout'
            ? `not ready within ${startTimeoutMs / 1000}s`
            : `exited during start (${err.exit.signal ?? `code ${err.exit.code}`})`;
      const said = proc.output().trim().split('\n').pop();
      throw new Error(`${role}: ${message}${said ? ` (it said: ${said})` : ''}`);
    },
  );
  return { role, pid: proc.pid, url: ready.url, stop, exited };
}

/** Stops hops concurrently, never throwing. */
export async function stopAll(hops: readonly HopProcess[]): Promise<void> {
  await Promise.all(hops.map((h) => h.stop().catch(() => undefined)));
}
