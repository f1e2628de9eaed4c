/**
 * ioredis connections for gridcast, built from `REDIS_URL` — nothing hard-coded.
 *
 * ```ts
 * const worker = new Worker('gridcast:train', processor, { connection: createWorkerConnection() });
 * const queue = new Queue('gridcast:train', { connection: createProducerConnection() });
 * ```
 *
 * Two roles, because BullMQ needs different behaviour from each
 * (https://docs.bullmq.io/guide/going-to-production):
 * - **worker** connections (BullMQ workers, blob transport inside workers) set
 *   `maxRetriesPerRequest: null`, which BullMQ requires for its blocking commands: a command waits
 *   through any outage and is sent again after the reconnect — a dropped Redis is survived.
 * - **producer** connections (`gridcast submit`, `schedule`) give up on a command after a few
 *   reconnect attempts, so a CLI run against a dead Redis fails with an error instead of hanging.
 * Both reconnect forever with a capped exponential backoff plus jitter.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { InvalidOptionError } from '../../datasets/errors.js';
import { DEFAULT_REDIS_URL, parseRedisUrl, redactRedisUrl } from './url.js';

/** What the connection is for: see the module comment. */
export type ConnectionRole = 'worker' | 'producer';

/** Options of {@link createRedisConnection}. */
export interface RedisConnectionOptions {
  /** Redis URL. Default: `process.env.REDIS_URL`, else `redis://127.0.0.1:6379`. */
  url?: string;
  /** Name shown by `CLIENT LIST`. Default: the URL's `?name=`, else `gridcast-<role>`. */
  connectionName?: string;
  /** First reconnect delay in ms; doubles each attempt. Default 100. */
  retryBaseMs?: number;
  /** Longest reconnect delay in ms. Default 5000. */
  retryMaxMs?: number;
  /** Producer connections: reconnect attempts a command waits through before it fails. Default 3. */
  producerMaxRetries?: number;
  /** TLS settings merged over the defaults of a `rediss://` URL (e.g. `ca`, `rejectUnauthorized`). */
  tls?: TlsOptions;
  /** Where connection events (connected, reconnecting, errors) are reported. Default: nowhere. */
  log?: (message: string) => void;
  /** Do not connect until the first command or `connect()`. Default false. */
  lazyConnect?: boolean;
}

/** Options after defaults, as used by {@link redisOptionsFor}. */
type Resolved = Required<Omit<RedisConnectionOptions, 'tls' | 'connectionName'>> &
  Pick<RedisConnectionOptions, 'tls' | 'connectionName'>;

function resolve(options: RedisConnectionOptions): Resolved {
  const r: Resolved = {
    url: options.url ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL,
    retryBaseMs: options.retryBaseMs ?? 100,
    retryMaxMs: options.retryMaxMs ?? 5000,
    producerMaxRetries: options.producerMaxRetries ?? 3,
    log: options.log ?? (() => {}),
    lazyConnect: options.lazyConnect ?? false,
    tls: options.tls,
    connectionName: options.connectionName,
  };
  for (const field of ['retryBaseMs', 'retryMaxMs'] as const) {
    if (!Number.isFinite(r[field]) || r[field] <= 0) {
      throw new InvalidOptionError(`${field} must be a positive number of milliseconds, got ${r[field]}`);
    }
  }
  if (r.retryMaxMs < r.retryBaseMs) {
    throw new InvalidOptionError(`retryMaxMs must be at least retryBaseMs (${r.retryBaseMs}), got ${r.retryMaxMs}`);
  }
  if (!Number.isInteger(r.producerMaxRetries) || r.producerMaxRetries < 0) {
    throw new InvalidOptionError(`producerMaxRetries must be a non-negative integer, got ${r.producerMaxRetries}`);
  }
  return r;
}

/**
 * Reconnect delay for attempt `times` (1-based): `min(maxMs, baseMs·2^(times-1))` plus up to
 * `baseMs` of jitter, so many workers do not reconnect in lockstep. Never gives up (never null).
 */
export function cappedBackoff(baseMs: number, maxMs: number, random: () => number = Math.random): (times: number) => number {
  return (times) => {
    const exp = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, times - 1)));
    return Math.round(exp + random() * baseMs);
  };
}

/** The ioredis options a connection of `role` gets (pure; what {@link createRedisConnection} uses). */
export function redisOptionsFor(role: ConnectionRole, options: RedisConnectionOptions = {}): RedisOptions {
  const r = resolve(options);
  const parsed = parseRedisUrl(r.url);
  const { tls, connectionName, ...rest } = parsed;
  return {
    ...rest,
    ...(tls || r.tls ? { tls: { ...tls, ...r.tls } } : {}),
    connectionName: r.connectionName ?? connectionName ?? `gridcast-${role}`,
    // RESP2: BullMQ 6 is built and tested against ioredis 5, which speaks RESP2.
    protocol: 2,
    lazyConnect: r.lazyConnect,
    retryStrategy: cappedBackoff(r.retryBaseMs, r.retryMaxMs),
    // After a failover the old primary answers READONLY: reconnect and resend the command.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    maxRetriesPerRequest: role === 'worker' ? null : r.producerMaxRetries,
    enableOfflineQueue: true,
  };
}

/**
 * A new ioredis client for `role`, with connection events reported to `options.log` with the
 * password redacted. An `error` listener is always attached, so a dropped connection never
 * becomes an unhandled 'error' event that kills the process; ioredis reconnects on its own.
 */
export function createRedisConnection(role: ConnectionRole, options: RedisConnectionOptions = {}): Redis {
  const opts = redisOptionsFor(role, options);
  const log = options.log ?? (() => {});
  const where = redactRedisUrl(options.url ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL);
  const client = new Redis(opts);
  client.on('ready', () => log(`redis ${where}: ready (${role})`));
  client.on('reconnecting', (ms: number) => log(`redis ${where}: reconnecting in ${ms} ms`));
  client.on('error', (err: Error) => log(`redis ${where}: ${redactSecrets(err.message, opts.password)}`));
  return client;
}

/** A connection for BullMQ workers and in-worker transport (`maxRetriesPerRequest: null`). */
export function createWorkerConnection(options: RedisConnectionOptions = {}): Redis {
  return createRedisConnection('worker', options);
}

/** A connection for queue producers (submit, schedule): commands fail after a few reconnects. */
export function createProducerConnection(options: RedisConnectionOptions = {}): Redis {
  return createRedisConnection('producer', options);
}

function redactSecrets(message: string, password: string | undefined): string {
  return password ? message.split(password).join('***') : message;
}
