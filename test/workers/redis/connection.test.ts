/**
 * Redis connections from REDIS_URL: URL parsing (TLS, password, db, family), redaction, role
 * options, and live connections (including one that survives a Redis restart).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import {
  cappedBackoff, createProducerConnection, createWorkerConnection, parseRedisUrl, redactRedisUrl, redisOptionsFor,
} from '../../../workers/redis/index.js';
import { startRedisServer, stopTestRedis, testRedisUrl, uniquePrefix } from './redis-server.js';

afterAll(stopTestRedis);

describe('parseRedisUrl', () => {
  it('reads host, port and defaults', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379, db: 0, family: 0 });
    expect(parseRedisUrl('redis://cache.internal')).toEqual({ host: 'cache.internal', port: 6379, db: 0, family: 0 });
  });

  it('reads password only, username and password, percent-encoded', () => {
    expect(parseRedisUrl('redis://:s3cret@h:1')).toMatchObject({ password: 's3cret' });
    expect(parseRedisUrl('redis://:s3cret@h:1').username).toBeUndefined();
    expect(parseRedisUrl('redis://app:p%40ss%3Aw@h:1')).toMatchObject({ username: 'app', password: 'p@ss:w' });
  });

  it('reads the db index from the path or ?db=', () => {
    expect(parseRedisUrl('redis://h:6379/3').db).toBe(3);
    expect(parseRedisUrl('redis://h:6379?db=5').db).toBe(5);
  });

  it('turns on TLS for rediss://, with SNI for host names only', () => {
    expect(parseRedisUrl('rediss://u:p@redis.example.com:6380/1')).toEqual({
      host: 'redis.example.com', port: 6380, username: 'u', password: 'p', db: 1, family: 0,
      tls: { servername: 'redis.example.com' },
    });
    expect(parseRedisUrl('rediss://10.0.0.5:6380').tls).toEqual({});
    expect(parseRedisUrl('redis://redis.example.com').tls).toBeUndefined();
  });

  it('reads ?family= and IPv6 hosts', () => {
    expect(parseRedisUrl('redis://[::1]:7000?family=6')).toMatchObject({ host: '::1', port: 7000, family: 6 });
    expect(parseRedisUrl('redis://h?family=4&name=ingest-1')).toMatchObject({ family: 4, connectionName: 'ingest-1' });
  });

  it.each([
    ['http://h:6379', /scheme/],
    ['not a url', /not a URL/],
    ['redis://h/abc', /database index/],
    ['redis://h?family=5', /family/],
    ['redis://h?tls=1', /unknown parameter 'tls'/],
    ['redis://:hunter2@h/x', /database index/],
  ])('rejects %s with a named error', (url, message) => {
    try {
      parseRedisUrl(url);
      expect.unreachable();
    } catch (e) {
      expect(isGridcastError(e, 'RedisUrl')).toBe(true);
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

describe('redactRedisUrl', () => {
  it('hides passwords and leaves the rest', () => {
    expect(redactRedisUrl('redis://:s3cret@h:6379/0')).toBe('redis://:***@h:6379/0');
    expect(redactRedisUrl('rediss://app:s3cret@h:6380')).toBe('rediss://app:***@h:6380');
    expect(redactRedisUrl('redis://h:6379')).toBe('redis://h:6379');
    expect(redactRedisUrl('redis//x:s3cret@h')).not.toContain('s3cret');
  });
});

describe('redisOptionsFor', () => {
  it('workers wait through outages (maxRetriesPerRequest: null), producers give up', () => {
    const w = redisOptionsFor('worker', { url: 'redis://h:1/2' });
    expect(w.maxRetriesPerRequest).toBeNull();
    expect(w).toMatchObject({ host: 'h', port: 1, db: 2, enableOfflineQueue: true, connectionName: 'gridcast-worker' });
    expect(redisOptionsFor('producer', { url: 'redis://h:1' }).maxRetriesPerRequest).toBe(3);
    expect(redisOptionsFor('producer', { url: 'redis://h:1', producerMaxRetries: 0 }).maxRetriesPerRequest).toBe(0);
  });

  it('uses REDIS_URL when no url is given, and merges TLS options', () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'rediss://:pw@tls.example:6390/4';
    try {
      const o = redisOptionsFor('worker', { tls: { rejectUnauthorized: false } });
      expect(o).toMatchObject({ host: 'tls.example', port: 6390, db: 4, password: 'pw' });
      expect(o.tls).toEqual({ servername: 'tls.example', rejectUnauthorized: false });
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL; else process.env.REDIS_URL = saved;
    }
  });

  it('validates options with messages naming the field', () => {
    expect(() => redisOptionsFor('worker', { retryBaseMs: 0 })).toThrow(/retryBaseMs/);
    expect(() => redisOptionsFor('worker', { retryBaseMs: 100, retryMaxMs: 50 })).toThrow(/retryMaxMs/);
    expect(() => redisOptionsFor('producer', { producerMaxRetries: -1 })).toThrow(/producerMaxRetries/);
  });
});

describe('cappedBackoff', () => {
  it('doubles from the base, caps at the maximum, adds bounded jitter, never gives up', () => {
    const noJitter = cappedBackoff(100, 5000, () => 0);
    expect([1, 2, 3, 4, 5, 6, 7, 100, 10_000].map(noJitter)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    const fullJitter = cappedBackoff(100, 5000, () => 0.999);
    expect(fullJitter(1)).toBeLessThanOrEqual(200);
    expect(fullJitter(50)).toBeLessThanOrEqual(5100);
  });
});

describe('live connections', () => {
  it('connects to the test Redis in both roles', async () => {
    const url = await testRedisUrl();
    const logs: string[] = [];
    const w = createWorkerConnection({ url, log: (m) => logs.push(m) });
    const p = createProducerConnection({ url });
    try {
      expect(await w.ping()).toBe('PONG');
      expect(await p.ping()).toBe('PONG');
      const key = `${uniquePrefix('conn')}:k`;
      await p.set(key, 'v', 'EX', 60);
      expect(await w.get(key)).toBe('v');
      await w.del(key);
      expect(logs.some((m) => m.includes('ready (worker)'))).toBe(true);
    } finally {
      w.disconnect();
      p.disconnect();
    }
  });

  it('a worker connection survives a Redis restart: the command waits and succeeds', async () => {
    const server = await startRedisServer({ persistence: true });
    const w = createWorkerConnection({ url: server.url, retryBaseMs: 20, retryMaxMs: 200 });
    try {
      await w.set('k', 'before');
      await server.kill();
      const during = w.get('k'); // issued while Redis is down: queued, resent after reconnect
      await server.start();
      expect(await during).toBe('before'); // appendonly kept it
      expect(await w.ping()).toBe('PONG');
    } finally {
      w.disconnect();
      await server.stop();
    }
  });

  it('redacts the password in connection logs', async () => {
    const logs: string[] = [];
    const c = createProducerConnection({ url: 'redis://:topsecret@127.0.0.1:1', producerMaxRetries: 0, log: (m) => logs.push(m), retryBaseMs: 10, retryMaxMs: 20 });
    await expect(c.ping()).rejects.toThrow();
    c.disconnect();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain('topsecret');
    expect(logs.join('\n')).toContain('***');
  });
});
