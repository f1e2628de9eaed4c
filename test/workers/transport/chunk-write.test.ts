/**
 * Chunk writes that hand the chunk to the socket without ioredis's copy (chunk-write.ts): same
 * bytes and TTL as a plain SET, replies stay matched to their commands among other traffic, a
 * client with a keyPrefix gets the plain SET, and a write issued while Redis is down is sent after
 * the reconnect.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerConnection } from '../../../workers/redis/index.js';
import { setChunk } from '../../../workers/transport/chunk-write.js';
import { deleteKeys, keysUnder, startRedisServer, stopTestRedis, testRedisUrl, uniquePrefix, type TestRedisServer } from '../redis/redis-server.js';

const prefix = uniquePrefix('chunkwrite');
let url: string;
let client: Redis;

beforeAll(async () => {
  url = await testRedisUrl();
  client = createWorkerConnection({ url });
});

afterAll(async () => {
  await deleteKeys(client, prefix);
  const left = await keysUnder(client, prefix);
  client.disconnect();
  await stopTestRedis();
  expect(left).toEqual([]);
});

describe('setChunk', () => {
  it.each([0, 1, 1000, 3 * 1024 * 1024 + 7])('stores %i bytes with their expiry', async (n) => {
    const bytes = randomBytes(n);
    const at = Date.now() + 60_000;
    expect(await setChunk(client, `${prefix}:a:${n}`, bytes, at)).toBe('OK');
    expect(Buffer.compare((await client.getBuffer(`${prefix}:a:${n}`))!, bytes)).toBe(0);
    const ttl = await client.pttl(`${prefix}:a:${n}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('keeps replies in order among other commands on the connection', async () => {
    const chunks = Array.from({ length: 12 }, (_, i) => randomBytes(100_000 + i));
    const ops: Promise<unknown>[] = [];
    chunks.forEach((c, i) => {
      ops.push(setChunk(client, `${prefix}:b:${i}`, c, Date.now() + 60_000));
      ops.push(client.set(`${prefix}:s:${i}`, `v${i}`));
      ops.push(client.get(`${prefix}:s:${i}`));
      ops.push(client.getBuffer(`${prefix}:b:${i}`));
    });
    const replies = await Promise.all(ops);
    chunks.forEach((c, i) => {
      expect(replies[4 * i]).toBe('OK');
      expect(replies[4 * i + 1]).toBe('OK');
      expect(replies[4 * i + 2]).toBe(`v${i}`);
      expect(Buffer.compare(replies[4 * i + 3] as Buffer, c)).toBe(0);
    });
  });

  it('a client with a keyPrefix gets the plain SET, prefix applied', async () => {
    const prefixed = new Redis(url, { keyPrefix: `${prefix}:kp:`, lazyConnect: false });
    try {
      const bytes = randomBytes(5000);
      await setChunk(prefixed, 'x', bytes, Date.now() + 60_000);
      expect(Buffer.compare((await client.getBuffer(`${prefix}:kp:x`))!, bytes)).toBe(0);
    } finally {
      prefixed.disconnect();
    }
  });
});

describe('setChunk across a Redis outage', () => {
  let server: TestRedisServer;
  let own: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    own = createWorkerConnection({ url: server.url, retryBaseMs: 20, retryMaxMs: 200 });
    await own.ping();
  });
  afterAll(async () => {
    own.disconnect();
    await server.stop();
  });

  it('a write issued while Redis is down is sent after the reconnect', async () => {
    await server.kill();
    const bytes = randomBytes(2 * 1024 * 1024 + 3);
    const pending = setChunk(own, 'down:0', bytes, Date.now() + 60_000);
    await server.start();
    expect(await pending).toBe('OK');
    expect(Buffer.compare((await own.getBuffer('down:0'))!, bytes)).toBe(0);
  });
});
