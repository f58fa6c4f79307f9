import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerKind } from './kinds.js';
import { findBinary, realPath, sibling } from '../proc/binary.js';
import { freePort } from '../proc/net.js';
import { runCommand, spawnGroup, type GroupProcess } from '../proc/spawn.js';

/** One started instance of a broker's processes. */
export interface Instance {
  /** Process groups to kill (a watchdog kills them if this process dies). */
  readonly groups: readonly GroupProcess[];
  /** The group whose exit means the broker is down. */
  readonly main: GroupProcess;
  /** OS pid of the process doing the broker's work (for CPU and RSS). */
  mainPid(): number;
}

/** How to run one kind of broker on a fixed port with its data in `dir`. */
export interface Launcher {
  readonly port: number;
  readonly url: string;
  /** Starts the broker's processes (not waiting for readiness). */
  start(): Promise<Instance>;
  /** Asks the broker to stop cleanly; resolves when it has (the caller kills it after a timeout). */
  shutdown(instance: Instance): Promise<void>;
  /** Processes that stay up across restarts (RabbitMQ's epmd); stopped last. */
  readonly companions: readonly GroupProcess[];
}

/** Is the binary of `kind` installed? Returns its resolved path. */
export function brokerBinary(kind: BrokerKind): string | undefined {
  if (kind === 'rabbitmq') {
    const found = findBinary('rabbitmq-server');
    if (!found) return undefined;
    const server = realPath(found);
    // Debian's /usr/sbin/rabbitmq-server is a wrapper that re-runs the script as the rabbitmq user
    // with its system paths; the script beside it honours our RABBITMQ_* environment.
    return server.endsWith('rabbitmq-script-wrapper') ? sibling(server, 'rabbitmq-server') : server;
  }
  return findBinary(kind === 'redis' ? 'redis-server' : 'nats-server');
}

export async function makeLauncher(kind: BrokerKind, binary: string, dir: string): Promise<Launcher> {
  const port = await freePort();
  if (kind === 'redis') return redisLauncher(binary, dir, port);
  if (kind === 'nats') return natsLauncher(binary, dir, port);
  return rabbitLauncher(binary, dir, port);
}

function sigterm(instance: Instance): Promise<void> {
  try {
    process.kill(instance.main.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  return instance.main.exited.then(() => undefined);
}

function redisLauncher(binary: string, dir: string, port: number): Launcher {
  // prettier-ignore
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '',
  ];
  return oneProcess(`redis://127.0.0.1:${port}`, binary, args, dir, port);
}

function natsLauncher(binary: string, dir: string, port: number): Launcher {
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'jetstream')];
  return oneProcess(`nats://127.0.0.1:${port}`, binary, args, dir, port);
}

/** A broker that is one process, started in `dir` and stopped with SIGTERM (Redis, NATS). */
function oneProcess(url: string, binary: string, args: string[], dir: string, port: number): Launcher {
  return {
    port,
    url,
    companions: [],
    start() {
      const main = spawnGroup(binary, args, { cwd: dir, unref: true });
      return Promise.resolve({ groups: [main], main, mainPid: () => main.pid });
    },
    shutdown: sigterm,
  };
}

/**
 * RabbitMQ with its own node name, ports, data, logs, config, plugins and Erlang cookie (HOME), and
 * its own epmd on a free port (ERL_EPMD_PORT), all on loopback, so it touches nothing of a system
 * RabbitMQ. Stopped with `rabbitmqctl shutdown`, which waits for the VM to exit.
 */
async function rabbitLauncher(server: string, dir: string, port: number): Promise<Launcher> {
  const [distPort, epmdPort, ctlPort] = [await freePort(), await freePort(), await freePort()];
  const node = `commbench-${port}@localhost`;
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CTL_DIST_PORT_MIN: String(ctlPort),
    RABBITMQ_CTL_DIST_PORT_MAX: String(ctlPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const epmdBinary = findBinary('epmd') ?? 'epmd';
  const epmd = spawnGroup(epmdBinary, ['-address', '127.0.0.1', '-port', String(epmdPort)], {
    env,
    cwd: dir,
    unref: true,
  });
  const pidFile = join(dir, 'rabbitmq.pid');
  return {
    port,
    url: `amqp://127.0.0.1:${port}`,
    companions: [epmd],
    start() {
      const main = spawnGroup(server, [], { env, cwd: dir, unref: true });
      return Promise.resolve({
        groups: [main],
        main,
        mainPid() {
          try {
            return Number(readFileSync(pidFile, 'utf8').trim()) || main.pid;
          } catch {
            return main.pid;
          }
        },
      });
    },
    async shutdown(instance) {
      await runCommand(sibling(server, 'rabbitmqctl'), ['-n', node, 'shutdown', '--timeout', '15'], {
        env,
        cwd: dir,
        timeoutMs: 20_000,
      });
      await instance.main.exited;
    },
  };
}
