import { childEntry } from '../../proc/child-args.js';
import { awaitReady, isNotReady, spawnGroup, type GroupProcess } from '../../proc/spawn.js';
import type { RunningServer, ServerContext } from '../../toolkit/contract.js';
import type { AppConfig, AppMessage } from './app.js';
import type { Component, FailureIsolationOptions } from './index.js';

const startTimeoutMs = 15_000;

/**
 * One app process and its supervisor: started with a heap limit (and no core file when V8 aborts
 * it), restarted `restartAfter` after it dies, on the same port.
 */
class Supervised {
  #proc: GroupProcess | undefined;
  #stopping = false;
  #restart: NodeJS.Timeout | undefined;
  url = '';
  #port = 0;

  constructor(
    readonly serves: readonly Component[],
    private readonly host: string,
    private readonly delayMs: number,
    private readonly heapMiB: number,
    private readonly restartAfterMs: number,
    private readonly onMessage: (m: AppMessage) => void,
  ) {}

  async start(): Promise<void> {
    const entry = childEntry(import.meta.url, 'app');
    const config: AppConfig = {
      serves: this.serves,
      host: this.host,
      port: this.#port,
      delayMs: this.delayMs,
    };
    const node = [process.execPath, ...entry.execArgv, `--max-old-space-size=${this.heapMiB}`, entry.path];
    const [command, ...args] = process.platform === 'linux' ? ['prlimit', '--core=0', '--', ...node] : node;
    const proc = spawnGroup(command as string, args, {
      env: { ...process.env, COMMBENCH_APP_CONFIG: JSON.stringify(config) },
      stdio: 'node',
      tailBytes: 2000,
    });
    this.#proc = proc;
    const ready = await awaitReady<Extract<AppMessage, { type: 'ready' }>>(proc, startTimeoutMs).catch(
      (err: unknown) => {
        proc.kill('SIGKILL');
        const why = !isNotReady(err)
          ? String(err)
          : err.reason === 'error'
            ? err.message
            : err.reason === 'timeout'
              ? `not ready within ${startTimeoutMs / 1000}s`
              : `exited during start (${err.exit.signal ?? `code ${err.exit.code}`})`;
        throw new Error(`${this.serves.join('+')} process: ${why}`);
      },
    );
    this.url = ready.url;
    this.#port = Number(new URL(ready.url).port);
    proc.child.on('message', (m: AppMessage) => this.onMessage(m));
    void proc.exited.then(() => {
      if (this.#stopping) return;
      this.#restart = setTimeout(() => {
        this.start().catch((err: unknown) => {
          process.stderr.write(`failure-isolation: restart failed: ${String(err)}\n`);
        });
      }, this.restartAfterMs);
    });
  }

  send(m: AppMessage): void {
    if (this.#proc && !this.#proc.hasExited) this.#proc.child.send(m);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restart);
    const proc = this.#proc;
    if (!proc || proc.hasExited) return;
    proc.kill('SIGTERM');
    await proc.wait(500);
  }
}

export async function startServer(ctx: ServerContext<FailureIsolationOptions>): Promise<RunningServer> {
  const { layout, call, leak, heapMiB } = ctx.options;
  const groups: Component[][] = layout === 'monolith' ? [['checkout', 'image']] : [['checkout'], ['image']];
  let leakTimer: NodeJS.Timeout | undefined;
  const onMessage = (m: AppMessage) => {
    if (m.type !== 'first-request' || leakTimer || !leak) return;
    leakTimer = setTimeout(() => leaky.send({ type: 'leak' }), leak.at);
  };
  const apps = groups.map(
    (serves) => new Supervised(serves, ctx.host, ctx.delayMs, heapMiB, leak?.restartAfter ?? 0, onMessage),
  );
  const leaky = apps.find((a) => a.serves.includes('image')) as Supervised;
  const stop = async () => {
    clearTimeout(leakTimer);
    await Promise.all(apps.map((a) => a.stop()));
  };
  try {
    await Promise.all(apps.map((a) => a.start()));
  } catch (err) {
    await stop();
    throw err;
  }
  const called = apps.find((a) => a.serves.includes(call)) as Supervised;
  return { url: called.url, stop };
}
