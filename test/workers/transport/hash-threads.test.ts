/**
 * The same round trips and corruption checks with checksums computed on hash threads
 * (`hashThreads: 2`) instead of the main thread: both hashers must agree byte for byte.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { createWorkerConnection } from '../../../workers/redis/index.js';
import { batchingHasher, mainThreadHasher, threadedHasher } from '../../../workers/transport/chunk-hasher.js';
import { BlobStore } from '../../../workers/transport/index.js';
import { deleteKeys, keysUnder, stopTestRedis, testRedisUrl, uniquePrefix } from '../redis/redis-server.js';
import { expectedRoot } from './expected-root.js';

const CHUNK = 1024;
const prefix = uniquePrefix('hashthreads');
let client: Redis;
let threaded: BlobStore;
let plain: BlobStore;

beforeAll(async () => {
  client = createWorkerConnection({ url: await testRedisUrl() });
  threaded = new BlobStore(client, { prefix, chunkSize: CHUNK, hashThreads: 2 });
  plain = new BlobStore(client, { prefix, chunkSize: CHUNK, hashThreads: 0 });
});

afterAll(async () => {
  const left = await keysUnder(client, prefix);
  await deleteKeys(client, prefix);
  client.disconnect();
  await stopTestRedis();
  expect(left).toEqual([]);
});

describe('hash threads', () => {
  it('digest each piece of each chunk as node:crypto does, through the staging ring and in batches', async () => {
    const PIECE = 64 * 1024;
    const chunks = Array.from({ length: 21 }, (_, i) => randomBytes(i === 20 ? 77 : i === 5 ? 200_000 : i === 9 ? 2 * PIECE : CHUNK));
    // Chunk 5 is pieces of 64 KiB, 64 KiB, 64 KiB and 3392 bytes; chunk 9 exactly two pieces.
    const pieceDigests = (c: Buffer) => {
      let hex = '';
      for (let off = 0; off < c.length; off += PIECE) hex += createHash('sha256').update(c.subarray(off, off + PIECE)).digest('hex');
      return hex || createHash('sha256').update(c).digest('hex');
    };
    const expected = chunks.map(pieceDigests);
    expect(expected[5]).toHaveLength(4 * 64);
    // All queued before any is awaited: slots are reused (3 < 21) and batches form.
    for (const h of [mainThreadHasher(PIECE), threadedHasher(2, 200_000, PIECE, 3), batchingHasher(PIECE)]) {
      const pending = chunks.map((c) => h.add(c));
      h.flush(); // 21 = 5 batches of 4 and a tail
      expect((await Promise.all(pending)).map((d) => d.toString('hex'))).toEqual(expected);
      // Copying each chunk to a destination on the way (what getBlob does).
      const copies = chunks.map((c) => Buffer.alloc(c.length));
      const withCopies = chunks.map((c, i) => h.add(c, copies[i]));
      h.flush();
      expect((await Promise.all(withCopies)).map((d) => d.toString('hex'))).toEqual(expected);
      expect(Buffer.compare(Buffer.concat(copies), Buffer.concat(chunks))).toBe(0);
    }
    // Flushed first: every chunk hashed as it comes (what readChunks does).
    const eager = batchingHasher(PIECE);
    eager.flush();
    for (const [i, c] of chunks.entries()) expect((await eager.add(c)).toString('hex')).toBe(expected[i]);
  });

  it.each([0, 1, CHUNK, CHUNK * 11 + 5])('round-trip %i bytes, readable by either store', async (size) => {
    const bytes = randomBytes(size);
    const ref = await threaded.putBlob(bytes);
    expect(Buffer.compare(await threaded.getBlob(ref), bytes)).toBe(0);
    expect(Buffer.compare(await plain.getBlob(ref), bytes)).toBe(0);
    const ref2 = await plain.putBlob(bytes);
    expect(ref2.sha256).toBe(ref.sha256);
    expect(ref.sha256).toBe(expectedRoot(bytes, CHUNK));
    expect(Buffer.compare(await threaded.getBlob(ref2), bytes)).toBe(0);
    await threaded.release(ref.id);
    await plain.release(ref2.id);
  });

  it('detect a corrupted chunk and name it', async () => {
    const ref = await threaded.putBlob(randomBytes(CHUNK * 5));
    await client.set(`${prefix}:blob:${ref.id}:3`, randomBytes(CHUNK), 'KEEPTTL');
    const e = await threaded.getBlob(ref).then(() => undefined, (x: unknown) => x);
    expect(isGridcastError(e, 'Checksum')).toBe(true);
    expect((e as { chunk?: number }).chunk).toBe(3);
    await threaded.release(ref.id);
  });
});
