/**
 * The blob store across a Redis restart (a test-owned redis-server with appendonly persistence):
 * blobs and budget bookkeeping survive, and a get issued while Redis is down completes after it
 * comes back, on a worker connection (maxRetriesPerRequest: null).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createWorkerConnection } from '../../../workers/redis/index.js';
import { BlobStore } from '../../../workers/transport/index.js';
import { keysUnder, startRedisServer, type TestRedisServer } from '../redis/redis-server.js';

let server: TestRedisServer;
let client: Redis;
let store: BlobStore;

beforeAll(async () => {
  server = await startRedisServer({ persistence: true });
  client = createWorkerConnection({ url: server.url, retryBaseMs: 20, retryMaxMs: 200 });
  store = new BlobStore(client, { prefix: 'restart', chunkSize: 1024, budgetBytes: 1 << 20 });
});

afterAll(async () => {
  client.disconnect();
  await server.stop();
});

describe('Redis restarted', () => {
  it('blobs, references and budget survive; an interrupted get completes after the restart', async () => {
    const bytes = randomBytes(1024 * 6 + 9);
    const ref = await store.putBlob(bytes, { refs: 2 });
    await server.restart();
    expect(Buffer.compare(await store.getBlob(ref), bytes)).toBe(0);
    expect(await store.usage()).toEqual({ bytes: bytes.length, blobs: 1 });

    await server.kill();
    const pending = store.getBlob(ref); // issued while Redis is down: waits for the reconnect
    await server.start();
    expect(Buffer.compare(await pending, bytes)).toBe(0);

    expect(await store.release(ref.id, 'a')).toBe(1);
    expect(await store.release(ref.id, 'b')).toBe(0);
    expect(await keysUnder(client, 'restart')).toEqual([]);
  });

  it.each([['one chunk', 1000], ['several chunks', 1024 * 5 + 3]])('a put (%s) interrupted by a restart completes and counts its bytes once', async (_, size) => {
    // Whether Redis ran the reservation before it died or not, ioredis resends what was not
    // answered after the reconnect, and the reservation script is idempotent per blob id.
    for (const when of ['before', 'after'] as const) {
      const bytes = randomBytes(size);
      if (when === 'before') await server.kill();
      const pending = store.putBlob(bytes); // its commands are queued (down) or on the wire (killed next)
      if (when === 'after') await server.kill();
      await server.start();
      const ref = await pending;
      expect(await store.usage()).toEqual({ bytes: size, blobs: 1 });
      expect(Buffer.compare(await store.getBlob(ref), bytes)).toBe(0);
      expect(await store.release(ref.id)).toBe(0);
      expect(await store.usage()).toEqual({ bytes: 0, blobs: 0 });
      expect(await keysUnder(client, 'restart')).toEqual([]);
    }
  });
});
