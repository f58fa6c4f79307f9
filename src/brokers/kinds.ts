import { CommbenchError } from '../errors.js';

/**
 * The real brokers commbench can start and drive. Never mocks. Which patterns use which broker is
 * said by each pattern's catalogue entry (src/patterns/registry.ts, `brokerOf`).
 */
export const brokerKinds = ['rabbitmq', 'redis', 'nats'] as const;
export type BrokerKind = (typeof brokerKinds)[number];

export interface BrokerInfo {
  readonly kind: BrokerKind;
  /** Human name. */
  readonly title: string;
  /** Executable that starts it. */
  readonly binary: string;
  /** Debian/Ubuntu package that installs the binary. */
  readonly debianPackage: string;
  /** Service name in docker/compose.yaml. */
  readonly composeService: string;
  readonly scheme: string;
  /** URL of the compose service, as an example for --broker-url. */
  readonly exampleUrl: string;
}

export const brokers: Readonly<Record<BrokerKind, BrokerInfo>> = {
  rabbitmq: {
    kind: 'rabbitmq',
    title: 'RabbitMQ',
    binary: 'rabbitmq-server',
    debianPackage: 'rabbitmq-server',
    composeService: 'rabbitmq',
    scheme: 'amqp',
    exampleUrl: 'amqp://guest:guest@127.0.0.1:5672',
  },
  redis: {
    kind: 'redis',
    title: 'Redis',
    binary: 'redis-server',
    debianPackage: 'redis-server',
    composeService: 'redis',
    scheme: 'redis',
    exampleUrl: 'redis://127.0.0.1:6379',
  },
  nats: {
    kind: 'nats',
    title: 'NATS',
    binary: 'nats-server',
    debianPackage: 'nats-server',
    composeService: 'nats',
    scheme: 'nats',
    exampleUrl: 'nats://127.0.0.1:4222',
  },
};

/**
 * The environment variable through which the broker's URL reaches the pattern's server child
 * process and clients (set by `--broker-url` or by the runner after starting a throwaway broker;
 * users may set it themselves, like DATABASE_URL).
 */
export function brokerEnvVar(kind: BrokerKind): string {
  return `COMMBENCH_${kind.toUpperCase()}_URL`;
}

/** Set instead of the URL when the run could not start the broker: the reason, for every case. */
export function brokerErrorEnvVar(kind: BrokerKind): string {
  return `COMMBENCH_${kind.toUpperCase()}_ERROR`;
}

/** The broker's URL given for this process (`--broker-url`, the runner, or the user's environment). */
export function brokerUrlFromEnv(kind: BrokerKind): string | undefined {
  const url = process.env[brokerEnvVar(kind)];
  return url === undefined || url === '' ? undefined : url;
}

/** How to get a broker, in one line: the Debian package, docker compose and --broker-url. */
export function howToGet(kind: BrokerKind): string {
  const b = brokers[kind];
  return (
    `install it (Debian/Ubuntu: apt-get install ${b.debianPackage}) and commbench starts a throwaway one, ` +
    `or run one with \`docker compose -f docker/compose.yaml up -d ${b.composeService}\` and pass ` +
    `--broker-url ${kind}=${b.exampleUrl}`
  );
}

/** E_SERVER_START (exit code 4, environment) for a broker that is not installed and has no URL. */
export function brokerMissing(kind: BrokerKind): CommbenchError {
  const b = brokers[kind];
  return new CommbenchError(
    'E_SERVER_START',
    `a ${b.title} broker is needed: ${b.binary} is not installed and no --broker-url was given`,
    { hint: howToGet(kind) },
  );
}

/** Replaces the user:password part of every URL in `text` with '***'. */
export function redactCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]*@/gi, (_m, scheme: string) => `${scheme}***@`);
}
