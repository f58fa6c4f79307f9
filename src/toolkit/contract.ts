import type { ZodType } from 'zod';
import type { BrokerKind } from '../brokers/kinds.js';
import type { EchoRecord } from '../message.js';
import { errnoKind } from '../errors.js';
import type { ErrorKind } from '../errors.js';
import type { HelperProcess } from '../proc/usage.js';
import type { RequestSpec } from '../plan/request.js';

/**
 * What the catalogue (src/patterns/registry.ts) tells of a pattern without loading any of its code:
 * enough for `commbench list`, scenario validation and the endpoint URLs.
 */
export interface PatternInfo {
  readonly name: string;
  readonly kind: 'request-response' | 'stream' | 'push' | 'queue';
  /** One line for `commbench list`. */
  readonly summary: string;
  /** URL scheme of this pattern's endpoints, e.g. 'http' → http://127.0.0.1:8080. */
  readonly scheme: string;
  /** Queue patterns: the broker they talk to (the runner starts it), and those their `broker` option may name. */
  readonly broker?: PatternBroker;
}

export interface PatternBroker {
  readonly default: BrokerKind;
  /** Brokers the pattern's `broker` option may name instead (e.g. topic-routing with `broker: rabbitmq`). */
  readonly byOption?: readonly BrokerKind[];
}

/**
 * A communication pattern: a matched echo server and client for one way of talking. Its catalogue
 * entry (name, kind, summary, scheme) is in src/patterns/registry.ts; its code lives in
 * src/patterns/<name>/ with index.ts (a `PatternCode`, cheap to import) and server.ts and client.ts
 * (imported lazily by index.ts, so loading a pattern loads no protocol library until it runs).
 */
export interface Pattern<Options = Record<string, unknown>> extends PatternInfo, PatternCode<Options> {}

/** The default export of a pattern's index.ts, checked there with `satisfies PatternCode<Options>`. */
export interface PatternCode<Options = Record<string, unknown>> {
  /** Pattern-specific options as written in a scenario's `options:`; parsed output is passed on. */
  readonly options: ZodType<Options>;
  /** Runs inside the server child process (or `commbench serve`). */
  startServer(ctx: ServerContext<Options>): Promise<RunningServer>;
  /**
   * Runs in the driver (main thread or a worker); one client per connection. For push and queue
   * patterns this is the publisher: send() resolves when the server or broker has accepted the
   * message (the caller-perceived latency); deliveries to subscribers are timed separately.
   */
  connect(ctx: ClientContext<Options>): Promise<PatternClient>;
  /**
   * Push and queue patterns: opens one subscriber (consumer) in the driver, so that publish and
   * receipt are read from one clock. Every message it receives is reported with `ctx.deliver`.
   * Resolves once the subscription is established (messages published after that must arrive).
   */
  subscribe?(ctx: SubscriberContext<Options>): Promise<Subscription>;
  /**
   * How many deliveries one published message should produce with `subscribers` subscribers:
   * fan-out patterns deliver to every subscriber (the default), work queues to exactly one.
   * 0 marks an option set that is request/response (e.g. websocket's echo mode): no subscriber is
   * opened, as if `subscribe` were absent (see `isPush`).
   */
  deliveriesPerMessage?(options: Options, subscribers: number): number;
  /**
   * True when these options put a fault in place from the server's start (a misconfigured gateway,
   * a service answering every call with an error): the driver's first round trip may then be
   * answered with an error without stopping the run (an unreachable server still stops it).
   */
  injectsFault?(options: Options): boolean;
}

/**
 * Whether `pattern` with these parsed options runs as push/queue (subscribers in the driver,
 * deliveries tracked): it has `subscribe` and a message should produce deliveries. Cases ask
 * `casePushes` (src/patterns/registry.ts), the one caller.
 */
export function isPush<Options>(pattern: Pattern<Options>, options: Options): boolean {
  return pattern.subscribe !== undefined && (pattern.deliveriesPerMessage?.(options, 1) ?? 1) > 0;
}

export interface SubscriberContext<Options = Record<string, unknown>> {
  readonly url: URL;
  readonly options: Options;
  /** Subscriber index within this driver (0-based). */
  readonly index: number;
  /**
   * Bind the socket to this local address before connecting (127.0.0.x: loopback has ~28k source
   * ports per address, src/engine/sources.ts); absent: the kernel picks. Patterns that cannot bind ignore it.
   */
  readonly localAddress?: string;
  /** Opening the subscription must succeed within this many ms. */
  readonly timeoutMs: number;
  /**
   * Reports one received message, as soon as it arrives (the receive time is taken here).
   * `seq` is the record's seq; pass the decoded `record` too when the pattern has it, so a sample
   * of deliveries is compared with what was published, and the message's serialized size in bytes
   * (without framing) for payload accounting.
   */
  deliver(seq: number, record?: Partial<EchoRecord>, bytes?: number): void;
  /**
   * What keeping the subscription costs, for patterns that have such costs (the driver counts them
   * in the measured window). One request the subscriber made to receive (polling); `empty` when it
   * brought no message.
   */
  requested?(empty: boolean): void;
  /** The subscription was dropped and re-established (e.g. SSE reconnect + resume) after `ms`. */
  reconnected?(ms: number): void;
  /**
   * A message arrived that is not a record (malformed data: `kind` protocol, the default), is
   * larger than a client reads (oversize), or a receive failed (a poll or a reconnect turned away:
   * rejected, …): counted as an error of that kind in the window, with `why` as its sample, never
   * silently dropped.
   */
  invalid?(why: string, kind?: ErrorKind): void;
}

export interface Subscription {
  /** Ends the subscription and closes its connection. Idempotent. */
  close(): Promise<void>;
  /**
   * Queue patterns: deliveries still waiting for this subscriber (in the broker or in its own
   * buffer), asked once when deliveries are missing after the grace period, so that a backlog is
   * reported as undrained rather than lost. Subscribers sharing one queue: only one reports it.
   * Undefined when it cannot be known (e.g. core NATS keeps no queue).
   */
  queued?(): Promise<number | undefined>;
}

export interface ServerContext<Options = Record<string, unknown>> {
  /** Interface to listen on; loopback unless the user asked otherwise. */
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly options: Options;
  /** Artificial service time added before every response, ms (0 = none). Used for ground truth. */
  readonly delayMs: number;
}

export interface RunningServer {
  /** Where clients reach this server, e.g. 'http://127.0.0.1:40123'. */
  readonly url: string;
  /**
   * Other processes this server started that carry its traffic (the hops of a call chain, reverse
   * proxies), known when it is ready. The engine reads their CPU from /proc like the server's own
   * and reports it with the server's (Measurement.server.helpers). They must not outlive the server.
   */
  readonly helpers?: readonly HelperProcess[];
  /**
   * Counts the server keeps itself since it started (e.g. `received`: requests a service behind
   * proxies received, retries included), read at the window's start and end like its CPU and
   * reported as the window's difference (Measurement.server.counters).
   */
  counters?(): Readonly<Record<string, number>>;
  /** Closes listeners and every open connection. Must resolve within a second. */
  stop(): Promise<void>;
}

/** A process a server started to carry its traffic (src/proc/usage.ts). */
export type { HelperProcess } from '../proc/usage.js';

/** Serialized payload bytes of the operations a client performed. */
export interface PayloadMeter {
  /** Adds one operation's serialized request and response body sizes (bytes, without framing). */
  add(requestBytes: number, responseBytes: number): void;
}

export interface ClientContext<Options = Record<string, unknown>> {
  readonly url: URL;
  readonly options: Options;
  /** Connection index within this driver (0-based), for naming and spreading. */
  readonly index: number;
  /** Bind the socket to this local address before connecting (see SubscriberContext.localAddress). */
  readonly localAddress?: string;
  /** Most operations this client will have outstanding at once. */
  readonly inFlight: number;
  /** An operation not answered within this many ms fails with kind 'timeout'. */
  readonly timeoutMs: number;
  readonly payload: PayloadMeter;
  /**
   * The user's own request (scenario `request:`): when present the client sends it to `url` (path
   * and query included) and judges the answer by its `expect`, not as an echo; `send`'s record
   * then only supplies `seq` for templates.
   */
  readonly request?: RequestSpec;
}

export interface PatternClient {
  /**
   * Performs one logical operation: sends `msg`, resolves when its echo has arrived.
   * Rejects with an OpError. The echo's `seq` is always checked; when `verify` is true the whole
   * echoed record is compared with `msg` (kind 'mismatch' when different).
   */
  send(msg: EchoRecord, verify: boolean): Promise<void>;
  /** Closes the connection; pending operations reject. Idempotent. */
  close(): Promise<void>;
}

/** The kinds an OpError has (src/errors.ts; results count them). */
export { errorKinds, type ErrorKind } from '../errors.js';

/** The one error a PatternClient rejects with. */
export class OpError extends Error {
  override readonly name = 'OpError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The largest answer a client reads, bytes: a bigger one fails its operation as 'oversize' as soon
 * as its size is known (Content-Length) or passed, and its connection is dropped — the driver's
 * memory stays bounded whatever a server sends. Eight times the largest payload, JSON-escaped.
 */
export const maxResponseBytes = 64 * 1024 * 1024;

/** The OpError of an answer over `maxResponseBytes` (`bytes`: its announced size or what arrived so far). */
export function oversizeError(bytes: number, announced: boolean): OpError {
  const mib = maxResponseBytes / (1024 * 1024);
  return new OpError(
    'oversize',
    `response ${announced ? 'of' : 'over'} ${bytes.toLocaleString('en-US')} bytes, more than the ${mib} MiB a client reads: the server sends too much (wrong path or query?)`,
  );
}

/** The OpError of a message over `maxResponseBytes` whose size is not known (`what`: 'a WebSocket message'). */
export function oversizeMessageError(what: string): OpError {
  return new OpError(
    'oversize',
    `${what} over the ${maxResponseBytes / (1024 * 1024)} MiB a client reads: the server sends too much (wrong path or query?)`,
  );
}

/** Maps any client-library error to an OpError kind by its errno / library code (errnoKind). */
export function toOpError(err: unknown): OpError {
  if (err instanceof OpError) return err;
  // ws past its maxPayload (maxResponseBytes): the message is dropped with the socket (close 1009).
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return oversizeMessageError('a WebSocket message');
  // undici's maxResponseSize (maxResponseBytes), as the poll client sets it.
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return oversizeMessageError('a response');
  const message = err instanceof Error ? err.message : String(err);
  if (notTlsPattern.test(message)) return new OpError('connection', notTlsMessage, { cause: err });
  return new OpError(errnoKind(err) ?? 'protocol', message, { cause: err });
}

/** OpenSSL's words when a plain-text server answers a TLS ClientHello (its bytes read as a bad record). */
export const notTlsPattern = /wrong version number|packet length too long|SSL routines:[^:]*:http request/i;
/** What to say instead: the URL says TLS, the server does not speak it. */
export const notTlsMessage =
  'the server does not speak TLS (it answered in plain text): use http:// (or ws://, grpc://) for it, not https:// (wss://)';

/**
 * `promise`, or an OpError('timeout', `message`) when it has not settled within `ms`; its own
 * rejection becomes an OpError (toOpError). For protocol calls without a deadline of their own.
 */
export function withOpTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new OpError('timeout', message)), Math.max(0, ms));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(toOpError(err));
      },
    );
  });
}
