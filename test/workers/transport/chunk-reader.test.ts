/**
 * The chunk reader (values read from its own socket straight into the caller's buffer) against a
 * real Redis: values of every size land where they should, the reply stream stays in step after
 * short, long, missing and error replies, AUTH and SELECT come from the client's URL, a dropped
 * connection rejects its reads and the blob store then reads through the client.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { createWorkerConnection } from '../../../workers/redis/index.js';
import { BlobStore } from '../../../workers/transport/index.js';
import { ChunkReader, chunkReaderFor, DirectReadError } from '../../../workers/transport/chunk-reader.js';
import { deleteKeys, startRedisServer, stopTestRedis, testRedisUrl, uniquePrefix } from '../redis/redis-server.js';

let client: Redis;
const prefix = uniquePrefix('chunk-reader');

beforeAll(async () => {
  client = createWorkerConnection({ url: await testRedisUrl() });
});

afterAll(async () => {
  await deleteKeys(client, prefix);
  client.disconnect();
  await stopTestRedis();
});

describe('reading into the caller\'s buffer', () => {
  it('many pipelined values of every size, from empty to several socket reads, each exactly where asked', async () => {
    const reader = chunkReaderFor(client)!;
    expect(reader).toBeInstanceOf(ChunkReader);
    expect(chunkReaderFor(client)).toBe(reader); // one per client
    const sizes = [0, 1, 2, 3, 100, 65_535, 65_536, 65_537, 300_000, 1 << 20, 17, 0, 5];
    for (let i = 0; i < 40; i++) sizes.push(Math.floor(Math.random() * 200_000));
    const values = sizes.map((n) => randomBytes(n));
    await Promise.all(values.map((v, i) => client.set(`${prefix}:v${i}`, v)));
    // One buffer for all, with guard bytes between the slots, read all at once.
    const slots = values.map((v) => v.length + 8);
    const all = Buffer.alloc(slots.reduce((a, b) => a + b, 0), 0xee);
    let at = 0;
    const dests = values.map((v, i) => { const d = all.subarray(at + 4, at + 4 + v.length); at += slots[i]; return d; });
    const got = await Promise.all(values.map((_, i) => reader.read(`${prefix}:v${i}`, dests[i])));
    expect(got).toEqual(sizes);
    values.forEach((v, i) => expect(dests[i].equals(v), `value ${i} (${v.length} bytes)`).toBe(true));
    at = 0;
    for (const s of slots) { // guards untouched
      expect([...all.subarray(at, at + 4), ...all.subarray(at + s - 4, at + s)]).toEqual(Array(8).fill(0xee));
      at += s;
    }
  });

  it('missing keys, values shorter or longer than the buffer and error replies keep the stream in step', async () => {
    const reader = chunkReaderFor(client)!;
    const long = randomBytes(200_000);
    const short = randomBytes(10);
    const next = randomBytes(70_000);
    await client.set(`${prefix}:long`, long);
    await client.set(`${prefix}:short`, short);
    await client.set(`${prefix}:next`, next);
    await client.hset(`${prefix}:hash`, 'a', '1');
    const dLong = Buffer.alloc(1000);
    const dShort = Buffer.alloc(100);
    const dNext = Buffer.alloc(next.length);
    const results = await Promise.allSettled([
      reader.read(`${prefix}:missing`, Buffer.alloc(10)),
      reader.read(`${prefix}:long`, dLong),
      reader.read(`${prefix}:hash`, Buffer.alloc(10)),
      reader.read(`${prefix}:short`, dShort),
      reader.read(`${prefix}:next`, dNext),
    ]);
    expect(results.map((r) => r.status === 'fulfilled' ? r.value : 'rejected')).toEqual([null, 200_000, 'rejected', 10, 70_000]);
    const wrongType = (results[2] as PromiseRejectedResult).reason;
    expect(isGridcastError(wrongType, 'Transport')).toBe(true);
    expect(String(wrongType.message)).toMatch(/WRONGTYPE/);
    expect(dLong.equals(long.subarray(0, 1000))).toBe(true);
    expect(dShort.subarray(0, 10).equals(short)).toBe(true);
    expect(dNext.equals(next)).toBe(true);
    expect(reader.usable).toBe(true);
  });

  it('a TLS, key-prefixed or Sentinel client gets no reader; a closed client\'s reader refuses', async () => {
    const tls = new Redis({ tls: {}, lazyConnect: true });
    const prefixed = new Redis({ keyPrefix: 'x:', lazyConnect: true });
    expect(chunkReaderFor(tls)).toBeNull();
    expect(chunkReaderFor(prefixed)).toBeNull();
    tls.disconnect();
    prefixed.disconnect();
    const own = createWorkerConnection({ url: await testRedisUrl() });
    const reader = chunkReaderFor(own)!;
    await client.set(`${prefix}:k`, 'abc');
    expect(await reader.read(`${prefix}:k`, Buffer.alloc(3))).toBe(3);
    own.disconnect();
    await sleep(50); // 'end'
    expect(reader.usable).toBe(false);
    await expect(reader.read(`${prefix}:k`, Buffer.alloc(3))).rejects.toBeInstanceOf(DirectReadError);
  });
  it('an unreachable server fails the read within the connect timeout instead of hanging', async () => {
    const reader = new ChunkReader({ host: '10.255.255.1', port: 6379, connectTimeoutMs: 300 });
    // (a hang would run into the test's timeout)
    await expect(reader.read('k', Buffer.alloc(1))).rejects.toBeInstanceOf(DirectReadError);
    expect(reader.usable).toBe(false);
    reader.close();
  });
});

describe('with a server of its own', () => {
  it('authenticates and selects the database of the client\'s URL, and names itself', async () => {
    const server = await startRedisServer({ args: ['--requirepass', 's3cret'] });
    const url = new URL(server.url);
    const own = createWorkerConnection({ url: `redis://:s3cret@127.0.0.1:${url.port}/3` });
    try {
      await own.set('k', 'in db 3');
      await own.select(0);
      await own.set('k', 'in db 0');
      const reader = chunkReaderFor(own)!;
      const dest = Buffer.alloc(7);
      expect(await reader.read('k', dest)).toBe(7);
      expect(dest.toString()).toBe('in db 3');
      expect(await own.client('LIST')).toMatch(/name=gridcast-worker-chunk-reader /);
      const wrong = new ChunkReader({ host: '127.0.0.1', port: server.port, password: 'nope' });
      await expect(wrong.read('k', dest)).rejects.toBeInstanceOf(DirectReadError);
      expect(wrong.usable).toBe(false); // client path for a while
      wrong.close();
    } finally {
      own.disconnect();
      await server.stop();
    }
  });

  it('follows a client on a unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridcast-sock-'));
    const path = join(dir, 'redis.sock');
    const server = await startRedisServer({ args: ['--unixsocket', path, '--unixsocketperm', '700'] });
    const own = new Redis({ path, maxRetriesPerRequest: null });
    try {
      const value = randomBytes(300_000);
      await own.set('k', value);
      const dest = Buffer.alloc(value.length);
      expect(await chunkReaderFor(own)!.read('k', dest)).toBe(value.length);
      expect(dest.equals(value)).toBe(true);
      expect(await own.client('LIST')).toMatch(/chunk-reader/);
    } finally {
      own.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a dropped connection rejects pending reads; the store then reads through the client, which reconnects', async () => {
    const server = await startRedisServer({ args: ['--enable-debug-command', 'yes'] });
    const own = createWorkerConnection({ url: server.url });
    const blocker = createWorkerConnection({ url: server.url });
    try {
      const store = new BlobStore(own, { prefix: 'drop', chunkSize: 64 * 1024, minChunkSize: 64 * 1024 });
      const bytes = randomBytes(1 << 20);
      const ref = await store.putBlob(bytes);
      expect((await store.getBlob(ref)).equals(bytes)).toBe(true); // through the reader
      const reader = chunkReaderFor(own)!;
      // The server is held busy so the read is still pending when the server goes away.
      void blocker.call('DEBUG', 'SLEEP', '0.5').catch(() => {});
      await sleep(50);
      const rejected = expect(reader.read('drop:blob:x:0', Buffer.alloc(4))).rejects.toBeInstanceOf(DirectReadError);
      await server.kill('SIGKILL');
      await rejected;
      expect(reader.usable).toBe(false);
      await server.start(); // no persistence: the blob is gone, the client path says so
      await expect(store.getBlob(ref)).rejects.toSatisfy((e: unknown) => isGridcastError(e, 'BlobNotFound'));
      const again = await store.putBlob(bytes); // the client reconnected
      expect((await store.getBlob(again)).equals(bytes)).toBe(true); // still through the client
      await sleep(1100);
      expect(reader.usable).toBe(true); // and the reader is tried again
      expect((await store.getBlob(again)).equals(bytes)).toBe(true);
      expect(await own.client('LIST')).toMatch(/chunk-reader/);
    } finally {
      own.disconnect();
      blocker.disconnect();
      await server.stop();
    }
  });
});
