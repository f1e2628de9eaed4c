/**
 * Parse `REDIS_URL` into explicit ioredis options, and redact it for logs.
 *
 * ```ts
 * parseRedisUrl('rediss://app:s3cret@redis.example:6380/2?family=6')
 * // → { host: 'redis.example', port: 6380, username: 'app', password: 's3cret', db: 2, family: 6,
 * //     tls: { servername: 'redis.example' } }
 * redactRedisUrl('redis://:s3cret@host:6379') // → 'redis://:***@host:6379'
 * ```
 *
 * URL form (IANA `redis`/`rediss` schemes, https://www.iana.org/assignments/uri-schemes/prov/redis):
 * `redis[s]://[[username]:password@]host[:port][/db][?family=4|6&db=N&name=client-name]`.
 * We parse it ourselves rather than hand the string to ioredis so that every option is visible,
 * validated with a message naming the field, and testable without a server.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { RedisUrlError } from '../errors.js';

/** The default when `REDIS_URL` is not set: a Redis on this machine, loopback only. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Connection settings read from a Redis URL (a subset of ioredis `RedisOptions`). */
export interface ParsedRedisUrl {
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  /** TCP port; default 6379. */
  port: number;
  /** ACL user name (Redis 6+); absent means the `default` user. */
  username?: string;
  /** Password (`AUTH`); absent when the URL has none. */
  password?: string;
  /** Database index from the path (`/2`) or `?db=2`; default 0. */
  db: number;
  /** IP family for DNS lookup: 4, 6, or 0 for either; default 0. */
  family: 0 | 4 | 6;
  /** Client name shown by `CLIENT LIST` (`?name=`), when given. */
  connectionName?: string;
  /** TLS settings: present only for `rediss://`. */
  tls?: TlsOptions;
}

const KNOWN_QUERY = new Set(['family', 'db', 'name']);

/** Parse a `redis://` or `rediss://` URL; throws {@link RedisUrlError} naming the bad part. */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  const shown = redactRedisUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new RedisUrlError(`REDIS_URL is not a URL: '${shown}'`, { expected: 'redis://host:port or rediss://host:port', cause });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RedisUrlError(`REDIS_URL scheme must be redis: or rediss:, got '${u.protocol}' in '${shown}'`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new RedisUrlError(`REDIS_URL has no host: '${shown}'`);
  const port = u.port === '' ? 6379 : Number(u.port);
  for (const key of u.searchParams.keys()) {
    if (!KNOWN_QUERY.has(key)) {
      throw new RedisUrlError(`REDIS_URL has an unknown parameter '${key}' in '${shown}'`, { expected: [...KNOWN_QUERY].join(', ') });
    }
  }
  const path = u.pathname.replace(/^\//, '');
  const dbText = path !== '' ? path : u.searchParams.get('db') ?? '0';
  if (!/^\d{1,5}$/.test(dbText)) {
    throw new RedisUrlError(`REDIS_URL database index must be a non-negative integer, got '${dbText}' in '${shown}'`);
  }
  const familyText = u.searchParams.get('family') ?? '0';
  if (!['0', '4', '6'].includes(familyText)) {
    throw new RedisUrlError(`REDIS_URL family must be 4, 6 or 0, got '${familyText}' in '${shown}'`);
  }
  const out: ParsedRedisUrl = { host, port, db: Number(dbText), family: Number(familyText) as 0 | 4 | 6 };
  if (u.username !== '') out.username = decodeURIComponent(u.username);
  if (u.password !== '') out.password = decodeURIComponent(u.password);
  const name = u.searchParams.get('name');
  if (name) out.connectionName = name;
  // SNI must name a host, never an IP address (Node warns and servers may reject it).
  if (u.protocol === 'rediss:') out.tls = isIP(host) ? {} : { servername: host };
  return out;
}

/** The URL with its password (if any) replaced by `***`; safe to log. Never throws. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    // Not a URL: hide anything between '//' ... ':' and '@' the way a URL would carry a password.
    return url.replace(/(\/\/[^/@:]*:)[^@/]*@/, '$1***@');
  }
}
