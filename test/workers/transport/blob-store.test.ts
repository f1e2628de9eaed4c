/**
 * The blob store against a real Redis: round trips, checksums, missing blobs, reference counts,
 * TTL and the byte budget. Every key lives under a prefix unique to this run and none is left.
 */
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { BlobNotFoundError, ChecksumError, TransportError } from '../../../workers/errors.js';
import { createWorkerConnection } from '../../../workers/redis/index.js';
import { BlobStore, MiB, type BlobRef } from '../../../workers/transport/index.js';
import { deleteKeys, keysUnder, stopTestRedis, testRedisUrl, uniquePrefix } from '../redis/redis-server.js';
import { expectedPieces, expectedRoot } from './expected-root.js';

const CHUNK = 1024;
let client: Redis;
const prefix = uniquePrefix('blob');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let n = 0;
/** Whether stores read chunks with the chunk reader (both ways are tested). */
let directReads = true;
/** A store under its own sub-prefix so each test can assert "nothing left" on its own keys. */
const store = (opts: ConstructorParameters<typeof BlobStore>[1] = {}) =>
  new BlobStore(client, { prefix: `${prefix}:${++n}`, chunkSize: CHUNK, directReads, ...opts });

beforeAll(async () => {
  client = createWorkerConnection({ url: await testRedisUrl() });
});

afterAll(async () => {
  const left = await keysUnder(client, prefix);
  await deleteKeys(client, prefix);
  client.disconnect();
  await stopTestRedis();
  expect(left).toEqual([]);
});

async function expectError<T extends Error>(p: Promise<unknown>, kind: string): Promise<T> {
  try {
    await p;
  } catch (e) {
    expect(isGridcastError(e, kind), `expected ${kind}, got ${String(e)}`).toBe(true);
    return e as T;
  }
  throw new Error(`expected a ${kind} error, got success`);
}

/** Corrupts one stored byte: writes its complement (writing a fixed byte fails to corrupt 1 time in 256). */
async function flipByte(key: string, offset: number): Promise<void> {
  const [old] = await client.getrangeBuffer(key, offset, offset);
  await client.setrange(key, offset, Buffer.from([old! ^ 0xff]));
}

describe.each([['chunks read straight into the result (chunk-reader.ts)', true], ['chunks read through the client', false]])('%s', (_, direct) => {
  beforeAll(() => { directReads = direct; });
  afterAll(() => { directReads = true; });

  describe('round trip', () => {
    it.each([
      ['0 bytes', 0], ['1 byte', 1], ['exactly one chunk', CHUNK], ['many chunks', CHUNK * 7],
      ['not a multiple of the chunk size', CHUNK * 5 + 17],
    ])('%s', async (_, size) => {
      const s = store();
      const bytes = randomBytes(size);
      const ref = await s.putBlob(bytes);
      expect(ref).toEqual({ id: expect.any(String), size, sha256: expectedRoot(bytes, CHUNK), chunks: Math.ceil(size / CHUNK) });
      expect(JSON.parse(JSON.stringify(ref))).toEqual(ref); // plain JSON for job data
      const back = await s.getBlob(ref);
      expect(Buffer.compare(back, bytes)).toBe(0);
      expect(await s.release(ref.id)).toBe(0);
      expect(await keysUnder(client, s.options.prefix)).toEqual([]);
    });

    it('with the default 4 MiB chunks, from a Float32Array view: a smaller blob is cut finer', async () => {
      const s = store({ chunkSize: undefined });
      const floats = new Float32Array((21 * MiB - 1024) / 4 + 1).map((_, i) => Math.sin(i));
      const view = new Uint8Array(floats.buffer, 4, floats.byteLength - 4); // an offset view, not the whole buffer
      const ref = await s.putBlob(view);
      // size / 16 (21 MiB - 1 KiB) rounded up to a multiple of 64 KiB: 1344 KiB, 16 chunks.
      expect(s.chunkSizeFor(view.length)).toBe(1344 * 1024);
      expect(ref.chunks).toBe(16);
      expect(ref.sha256).toBe(expectedRoot(view, 1344 * 1024));
      // 1344 KiB is 21 × 64 KiB (not a multiple of 256 or 128 KiB): 64 KiB pieces.
      expect(ref.sha256).toBe(expectedRoot(view, 1344 * 1024, 64 * 1024));
      expect(await s.manifest(ref.id)).toMatchObject({ chunkSize: 1344 * 1024, pieceSize: 64 * 1024, chunks: 16, format: 'gridcast-blob-v3' });
      expect(Buffer.compare(await s.getBlob(ref), view)).toBe(0);
      await s.release(ref.id);
    });

    it('chooses chunk sizes between minChunkSize and chunkSize, and readers follow the manifest', async () => {
      const s = store({ chunkSize: 4 * MiB, minChunkSize: 256 * 1024 });
      expect(store({ chunkSize: 4 * MiB }).chunkSizeFor(MiB)).toBe(MiB); // default minChunkSize: 1 MiB
      expect(store({ chunkSize: 4 * MiB }).chunkSizeFor(16 * MiB)).toBe(MiB);
      expect(store({ chunkSize: 4 * MiB }).chunkSizeFor(32 * MiB)).toBe(2 * MiB);
      expect(s.chunkSizeFor(0)).toBe(256 * 1024);
      expect(s.chunkSizeFor(MiB)).toBe(256 * 1024);
      expect(s.chunkSizeFor(16 * MiB)).toBe(MiB);
      expect(s.chunkSizeFor(64 * MiB)).toBe(4 * MiB);
      expect(s.chunkSizeFor(128 * MiB)).toBe(4 * MiB);
      expect(store({ chunkSize: 4 * MiB, minChunkSize: 4 * MiB }).chunkSizeFor(MiB)).toBe(4 * MiB);
      expect(store({ chunkSize: 2048 }).chunkSizeFor(MiB)).toBe(2048); // never above chunkSize
      expect(() => store({ minChunkSize: 10 })).toThrow(/minChunkSize/);
      // A store with other settings reads it: the chunk size comes from the manifest.
      const bytes = randomBytes(MiB + 5);
      const ref = await s.putBlob(bytes);
      expect(ref.chunks).toBe(5);
      const other = new BlobStore(client, { prefix: s.options.prefix, chunkSize: CHUNK });
      expect(Buffer.compare(await other.getBlob(ref), bytes)).toBe(0);
      const parts: Buffer[] = [];
      for await (const c of other.readChunks(ref)) parts.push(c);
      expect(parts.map((p) => p.length)).toEqual([256 * 1024, 256 * 1024, 256 * 1024, 256 * 1024, 5]);
      expect(Buffer.compare(Buffer.concat(parts), bytes)).toBe(0);
      await s.release(ref.id);
    });

    it('puts a TTL on every key and stores the manifest', async () => {
      const s = store({ ttlSeconds: 600 });
      const ref = await s.putBlob(randomBytes(CHUNK * 2 + 1), { refs: 3 });
      const keys = await keysUnder(client, `${s.options.prefix}:blob:`);
      expect(keys).toHaveLength(1 + 3);
      for (const k of keys) {
        const ttl = await client.pttl(k);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(600_000);
      }
      const bytes = await s.getBlob(ref);
      expect(await s.manifest(ref.id)).toMatchObject({
        format: 'gridcast-blob-v3', size: CHUNK * 2 + 1, chunks: 3, chunkSize: CHUNK, sha256: ref.sha256, refs: 3,
        // 1 KiB chunks are not a multiple of 64 KiB: one piece per chunk, what sha256sum prints per chunk.
        pieceSize: CHUNK, pieceSha256: [0, 1, 2].map((i) => sha(bytes.subarray(i * CHUNK, (i + 1) * CHUNK))),
      });
      await s.deleteBlob(ref.id);
      expect(await keysUnder(client, s.options.prefix)).toEqual([]);
    });
  });

  describe('checksums and missing blobs', () => {
    it('a corrupted chunk is detected, naming the blob and the chunk', async () => {
      const s = store();
      const ref = await s.putBlob(randomBytes(CHUNK * 4));
      await client.set(`${s.options.prefix}:blob:${ref.id}:2`, randomBytes(CHUNK), 'KEEPTTL');
      const e = await expectError<ChecksumError>(s.getBlob(ref), 'Checksum');
      expect(e).toBeInstanceOf(ChecksumError);
      expect(e.blobId).toBe(ref.id);
      expect(e.chunk).toBe(2);
      expect(e.message).toContain(`blob ${ref.id} chunk 2`);
      await s.release(ref.id);
    });

    it('a corrupted single-chunk blob is detected too (the reply is returned without a copy)', async () => {
      const s = store();
      const bytes = randomBytes(CHUNK - 1);
      const ref = await s.putBlob(bytes);
      expect(ref.chunks).toBe(1);
      expect(Buffer.compare(await s.getBlob(ref), bytes)).toBe(0);
      await flipByte(`${s.options.prefix}:blob:${ref.id}:0`, 7);
      const e = await expectError<ChecksumError>(s.getBlob(ref), 'Checksum');
      expect(e.chunk).toBe(0);
      expect(e.message).toMatch(/SHA-256 mismatch/);
      await s.release(ref.id);
    });

    it('a single chunk above 1 MiB is verified on the pool and corruption still named', async () => {
      const s = store({ chunkSize: 4 * MiB, minChunkSize: 4 * MiB });
      const bytes = randomBytes(2 * MiB + 3);
      const ref = await s.putBlob(bytes);
      expect(ref.chunks).toBe(1);
      expect(Buffer.compare(await s.getBlob(ref), bytes)).toBe(0);
      await flipByte(`${s.options.prefix}:blob:${ref.id}:0`, MiB);
      expect((await expectError<ChecksumError>(s.getBlob(ref), 'Checksum')).chunk).toBe(0);
      await s.release(ref.id);
    });

    it('readChunks yields only verified chunks and stops at the corrupted one', async () => {
      const s = store();
      const bytes = randomBytes(CHUNK * 6);
      const ref = await s.putBlob(bytes);
      await client.set(`${s.options.prefix}:blob:${ref.id}:4`, randomBytes(CHUNK), 'KEEPTTL');
      for (const window of [1, 3, 16]) {
        const got: Buffer[] = [];
        const e = await (async () => { for await (const c of s.readChunks(ref, window)) got.push(c); })().then(() => undefined, (x: unknown) => x);
        expect(isGridcastError(e, 'Checksum')).toBe(true);
        expect((e as ChecksumError).chunk).toBe(4);
        expect(got.length).toBe(4);
        expect(Buffer.compare(Buffer.concat(got), bytes.subarray(0, 4 * CHUNK))).toBe(0);
      }
      await s.release(ref.id);
    });

    it('a manifest whose piece digests do not hash to the reference is refused before any chunk is used', async () => {
      const s = store();
      const bytes = randomBytes(CHUNK * 3);
      const ref = await s.putBlob(bytes);
      const key = `${s.options.prefix}:blob:${ref.id}`;
      // Chunk 1 replaced, and its digest in the manifest too: the root no longer matches.
      const evil = randomBytes(CHUNK);
      await client.set(`${key}:1`, evil, 'KEEPTTL');
      const digests = (await client.hget(key, 'pieceSha256'))!;
      await client.hset(key, 'pieceSha256', digests.slice(0, 64) + sha(evil) + digests.slice(128));
      const e = await expectError<ChecksumError>(s.getBlob(ref), 'Checksum');
      expect(e.message).toMatch(new RegExp(`blob ${ref.id}: SHA-256 mismatch.*reference's root`));
      await expectError(s.readChunks(ref).next(), 'Checksum');
      // A chunk size that does not fit the sizes, or one a reader must not follow, is malformed.
      await client.hset(key, 'pieceSha256', digests, 'chunkSize', '512');
      expect((await expectError<ChecksumError>(s.getBlob(ref), 'Checksum')).message).toMatch(/malformed/);
      // A piece size that does not divide the chunk size, or digests for another piece count, too.
      await client.hset(key, 'chunkSize', String(CHUNK), 'pieceSize', '1000');
      expect((await expectError<ChecksumError>(s.getBlob(ref), 'Checksum')).message).toMatch(/malformed/);
      await client.hset(key, 'pieceSize', String(CHUNK), 'pieceSha256', digests.slice(64));
      expect((await expectError<ChecksumError>(s.getBlob(ref), 'Checksum')).message).toMatch(/malformed/);
      await s.release(ref.id);
    });

    it('a blob in the old manifest format (flat whole-blob SHA-256) fails with a clear ChecksumError', async () => {
      const s = store();
      const bytes = randomBytes(CHUNK * 2);
      const ref = await s.putBlob(bytes);
      const key = `${s.options.prefix}:blob:${ref.id}`;
      // What the previous version wrote: no format field, sha256 = sha256sum of the whole blob.
      await client.hdel(key, 'format');
      await client.hset(key, 'sha256', sha(bytes));
      const old = { ...ref, sha256: sha(bytes) };
      for (const read of [() => s.getBlob(old), () => s.readChunks(old).next(), () => s.manifest(ref.id)]) {
        const e = await expectError<ChecksumError>(read(), 'Checksum');
        expect(e.message).toMatch(/format v1 \(flat whole-blob SHA-256\) is not supported; re-publish/);
        expect(e.blobId).toBe(ref.id);
      }
      expect(await s.release(ref.id)).toBe(0); // still released and deleted normally
      expect(await keysUnder(client, s.options.prefix)).toEqual([]);
    });

    it('a blob in format v2 (one digest per chunk) fails with a clear ChecksumError', async () => {
      const s = store();
      const bytes = randomBytes(CHUNK * 2);
      const ref = await s.putBlob(bytes);
      const key = `${s.options.prefix}:blob:${ref.id}`;
      // What the previous version wrote: chunkSha256, no pieceSize, a root without the piece size.
      await client.hdel(key, 'pieceSha256', 'pieceSize');
      await client.hset(key, 'format', 'gridcast-blob-v2', 'chunkSha256', sha(bytes.subarray(0, CHUNK)) + sha(bytes.subarray(CHUNK)));
      for (const read of [() => s.getBlob(ref), () => s.readChunks(ref).next(), () => s.manifest(ref.id)]) {
        const e = await expectError<ChecksumError>(read(), 'Checksum');
        expect(e.message).toMatch(/format gridcast-blob-v2 is not supported; re-publish/);
        expect(e.blobId).toBe(ref.id);
      }
      expect(await s.release(ref.id)).toBe(0);
      expect(await keysUnder(client, s.options.prefix)).toEqual([]);
    });

    it('a truncated chunk is a checksum error too', async () => {
      const s = store();
      const ref = await s.putBlob(randomBytes(CHUNK * 2));
      await client.set(`${s.options.prefix}:blob:${ref.id}:1`, randomBytes(10), 'KEEPTTL');
      expect((await expectError<ChecksumError>(s.getBlob(ref), 'Checksum')).chunk).toBe(1);
      await s.release(ref.id);
    });

    it('a reference that does not match the manifest is refused', async () => {
      const s = store();
      const bytes = randomBytes(100);
      const ref = await s.putBlob(bytes);
      await expectError(s.getBlob({ ...ref, sha256: sha(Buffer.from('other')) }), 'Checksum');
      await expectError(s.getBlob({ ...ref, size: 99 }), 'Checksum');
      await s.release(ref.id);
    });

    it('a chunk longer or shorter than the manifest says is a ChecksumError naming it; reads after it are unaffected', async () => {
      const s = store();
      const bytes = randomBytes(CHUNK * 3);
      const one = randomBytes(CHUNK - 5);
      const ref = await s.putBlob(bytes);
      const single = await s.putBlob(one);
      const key = (r: BlobRef, i: number) => `${s.options.prefix}:blob:${r.id}:${i}`;
      for (const [r, i, value] of [[ref, 1, randomBytes(CHUNK + 100)], [ref, 2, randomBytes(10)], [single, 0, randomBytes(CHUNK * 70)]] as const) {
        const old = await client.getBuffer(key(r, i));
        await client.set(key(r, i), value, 'KEEPTTL');
        const e = await expectError<ChecksumError>(s.getBlob(r), 'Checksum');
        expect(e.chunk).toBe(i);
        expect(e.message).toContain(`chunk has ${value.length} bytes`);
        await client.set(key(r, i), old!, 'KEEPTTL');
        expect((await s.getBlob(single)).equals(one)).toBe(true);
        expect((await s.getBlob(ref)).equals(bytes)).toBe(true);
      }
      await s.release(ref.id);
      await s.release(single.id);
    });

    it('a missing blob or a missing chunk is a BlobNotFoundError', async () => {
      const s = store();
      const ghost: BlobRef = { id: 'nope', size: 5, sha256: expectedRoot(Buffer.from('hello'), CHUNK), chunks: 1 };
      expect(await expectError(s.getBlob(ghost), 'BlobNotFound')).toBeInstanceOf(BlobNotFoundError);
      const ref = await s.putBlob(randomBytes(CHUNK * 3));
      await client.del(`${s.options.prefix}:blob:${ref.id}:1`);
      expect((await expectError<BlobNotFoundError>(s.getBlob(ref), 'BlobNotFound')).chunk).toBe(1);
      await s.release(ref.id);
    });

    it('an expired blob is gone, and its bytes return to the budget', async () => {
      const s = store({ budgetBytes: 4 * CHUNK });
      const ref = await s.putBlob(randomBytes(3 * CHUNK), { ttlSeconds: 1 });
      expect((await s.usage()).bytes).toBe(3 * CHUNK);
      while ((await client.exists(`${s.options.prefix}:blob:${ref.id}`)) === 1) await sleep(100);
      await expectError(s.getBlob(ref), 'BlobNotFound');
      expect(await s.usage()).toEqual({ bytes: 0, blobs: 0 });
      expect(await s.release(ref.id)).toBeNull();
      expect(await keysUnder(client, s.options.prefix)).toEqual([]);
    });

    it('malformed references from job data are refused before any allocation', async () => {
      const s = store();
      for (const bad of [null, {}, { id: '../x', size: 1, sha256: 'a'.repeat(64), chunks: 1 },
        { id: 'ok', size: -1, sha256: 'a'.repeat(64), chunks: 0 }, { id: 'ok', size: 1, sha256: 'xyz', chunks: 1 }]) {
        await expectError(s.getBlob(bad as BlobRef), 'InvalidBlobRef');
      }
    });
  });
});

describe('pieces (several digests per chunk)', () => {
  const PIECE = 256 * 1024;

  it('a 1 MiB blob with the default chunking is one chunk of four 256 KiB pieces', async () => {
    const s = store({ chunkSize: undefined });
    const bytes = randomBytes(MiB);
    const ref = await s.putBlob(bytes);
    expect(ref.chunks).toBe(1);
    expect(ref.sha256).toBe(expectedRoot(bytes, MiB, PIECE));
    expect(await s.manifest(ref.id)).toMatchObject({ chunkSize: MiB, pieceSize: PIECE, pieceSha256: expectedPieces(bytes, PIECE) });
    expect(Buffer.compare(await s.getBlob(ref), bytes)).toBe(0);
    // One byte of the last piece changed: chunk 0 named, and the piece within it.
    await flipByte(`${s.options.prefix}:blob:${ref.id}:0`, 3 * PIECE + 5);
    const e = await expectError<ChecksumError>(s.getBlob(ref), 'Checksum');
    expect(e.blobId).toBe(ref.id);
    expect(e.chunk).toBe(0);
    expect(e.message).toMatch(/SHA-256 mismatch in piece 3 of the chunk/);
    await s.release(ref.id);
  });

  it.each([['getBlob', false], ['readChunks', true]])('%s verifies every piece of every chunk and names the chunk', async (_, stream) => {
    const s = store({ chunkSize: 2 * PIECE, minChunkSize: 2 * PIECE });
    const bytes = randomBytes(6 * PIECE + 17); // chunks of 2, 2, 2 pieces and one of 17 bytes
    const ref = await s.putBlob(bytes);
    expect(ref.chunks).toBe(4);
    expect(ref.sha256).toBe(expectedRoot(bytes, 2 * PIECE, PIECE));
    const m = (await s.manifest(ref.id))!;
    expect(m.pieceSha256).toEqual(expectedPieces(bytes, PIECE));
    expect(m.pieceSha256).toHaveLength(7);
    const read = async () => {
      if (!stream) return s.getBlob(ref);
      const parts: Buffer[] = [];
      for await (const c of s.readChunks(ref, 2)) parts.push(c);
      return Buffer.concat(parts);
    };
    expect(Buffer.compare(await read(), bytes)).toBe(0);
    // The second piece of chunk 2 corrupted: the first piece of that chunk is fine.
    await flipByte(`${s.options.prefix}:blob:${ref.id}:2`, PIECE + 1);
    const e = await expectError<ChecksumError>(read(), 'Checksum');
    expect(e.chunk).toBe(2);
    expect(e.message).toMatch(/piece 1 of the chunk/);
    await s.release(ref.id);
  });

  it('a store with other chunk settings reads a multi-piece blob through its manifest', async () => {
    const s = store({ chunkSize: 4 * MiB, minChunkSize: 128 * 1024 });
    const bytes = randomBytes(3 * MiB - 1); // chunks of 192 KiB (size / 16 rounded to 64 KiB): 64 KiB pieces
    const ref = await s.putBlob(bytes);
    const m = (await s.manifest(ref.id))!;
    expect([m.chunkSize, m.pieceSize]).toEqual([192 * 1024, 64 * 1024]);
    expect(ref.sha256).toBe(expectedRoot(bytes, 192 * 1024, 64 * 1024));
    const other = new BlobStore(client, { prefix: s.options.prefix, chunkSize: CHUNK, hashThreads: 1 });
    expect(Buffer.compare(await other.getBlob(ref), bytes)).toBe(0);
    await s.release(ref.id);
  });
});

describe('reference counting', () => {
  it('release deletes every key only when the last reference goes', async () => {
    const s = store();
    const ref = await s.putBlob(randomBytes(CHUNK * 3 + 5), { refs: 2 });
    expect(await s.release(ref.id)).toBe(1);
    expect(Buffer.compare(await s.getBlob(ref), await s.getBlob(ref))).toBe(0);
    expect(await s.addRefs(ref.id, 2)).toBe(3);
    expect(await s.release(ref.id)).toBe(2);
    expect(await s.release(ref.id)).toBe(1);
    expect((await s.usage()).bytes).toBe(CHUNK * 3 + 5);
    expect(await s.release(ref.id)).toBe(0);
    expect(await keysUnder(client, s.options.prefix)).toEqual([]);
    expect(await s.release(ref.id)).toBeNull(); // releasing twice is harmless
    await expectError(s.addRefs(ref.id), 'BlobNotFound');
    await expectError(s.getBlob(ref), 'BlobNotFound');
  });
});

describe('release tokens', () => {
  it('a holder releases at most once, however often it calls', async () => {
    const s = store();
    const ref = await s.putBlob(randomBytes(10), { refs: 2 });
    expect(await s.release(ref.id, 'job-1')).toBe(1);
    expect(await s.release(ref.id, 'job-1')).toBe(1); // a retry or a resent command: no effect
    expect(await s.manifest(ref.id)).toMatchObject({ refs: 1 });
    expect(await s.release(ref.id, 'job-2')).toBe(0);
    expect(await keysUnder(client, s.options.prefix)).toEqual([]);
  });
});

describe('byte budget', () => {
  it('a second put waits until the first is released, and never overfills', async () => {
    const s = store({ budgetBytes: 3 * CHUNK, pollMinMs: 5, pollMaxMs: 20 });
    const a = await s.putBlob(randomBytes(2 * CHUNK));
    let settled = false;
    const bBytes = randomBytes(2 * CHUNK);
    const b = s.putBlob(bBytes).finally(() => { settled = true; });
    await sleep(150); // give the waiting put several polls; it must still be waiting
    expect(settled).toBe(false);
    expect(await s.usage()).toEqual({ bytes: 2 * CHUNK, blobs: 1 });
    await s.release(a.id);
    const refB = await b;
    expect(Buffer.compare(await s.getBlob(refB), bBytes)).toBe(0);
    expect((await s.usage()).bytes).toBe(2 * CHUNK);
    await s.release(refB.id);
    expect(await keysUnder(client, s.options.prefix)).toEqual([]);
  });

  it.each([['one chunk', 1], ['three chunks', 3]])('a put waiting for space (%s) holds no chunk in Redis and counts its bytes once', async (_, n) => {
    const s = store({ budgetBytes: 4 * CHUNK, pollMinMs: 5, pollMaxMs: 20 });
    const a = await s.putBlob(randomBytes(3.5 * CHUNK)); // leaves 512 bytes
    const aKeys = await keysUnder(client, `${s.options.prefix}:blob:`);
    const bBytes = randomBytes(n * CHUNK - 7);
    let settled = false;
    const b = s.putBlob(bBytes).finally(() => { settled = true; });
    await sleep(100);
    expect(settled).toBe(false);
    expect(await keysUnder(client, `${s.options.prefix}:blob:`)).toEqual(aKeys); // no leaked chunk
    expect(await s.usage()).toEqual({ bytes: 3.5 * CHUNK, blobs: 1 });
    await s.release(a.id);
    const refB = await b;
    expect(await s.usage()).toEqual({ bytes: bBytes.length, blobs: 1 });
    expect(await keysUnder(client, `${s.options.prefix}:blob:`)).toHaveLength(1 + n);
    for (const k of await keysUnder(client, `${s.options.prefix}:blob:`)) expect(await client.pttl(k)).toBeGreaterThan(0);
    expect(Buffer.compare(await s.getBlob(refB), bBytes)).toBe(0);
    await s.release(refB.id);
    expect(await keysUnder(client, s.options.prefix)).toEqual([]);
  });

  it('a source failing after waiting for space leaves nothing behind', async () => {
    const s = store({ budgetBytes: 4 * CHUNK, pollMinMs: 5, pollMaxMs: 20 });
    const a = await s.putBlob(randomBytes(3 * CHUNK));
    const failing = s.putChunks(3 * CHUNK, (i, length) => {
      if (i === 1) throw new Error('disk gone');
      return randomBytes(length);
    });
    failing.catch(() => {});
    await sleep(50);
    await s.release(a.id);
    await expect(failing).rejects.toThrow(/disk gone/);
    await expectError(s.putChunks(5 * CHUNK, (_i, length) => randomBytes(length)), 'BudgetExceeded'); // can never fit
    expect(await s.usage()).toEqual({ bytes: 0, blobs: 0 });
    expect(await keysUnder(client, s.options.prefix)).toEqual([]);
  });

  it('times out with BudgetTimeoutError when nothing is released, leaving nothing behind', async () => {
    const s = store({ budgetBytes: 3 * CHUNK, pollMinMs: 5, pollMaxMs: 20 });
    const a = await s.putBlob(randomBytes(2 * CHUNK));
    const e = await expectError<TransportError>(s.putBlob(randomBytes(2 * CHUNK), { timeoutMs: 60 }), 'BudgetTimeout');
    expect(e.message).toMatch(/budget/);
    expect(await s.usage()).toEqual({ bytes: 2 * CHUNK, blobs: 1 });
    await expectError(s.putBlob(randomBytes(4 * CHUNK)), 'BudgetExceeded'); // can never fit
    const aborted = new AbortController();
    const c = s.putBlob(randomBytes(2 * CHUNK), { signal: aborted.signal });
    aborted.abort();
    await expect(c).rejects.toThrow(/abort/i);
    await s.release(a.id);
    expect(await keysUnder(client, s.options.prefix)).toEqual([]);
  });

  it('concurrent producers stay within the budget and every blob arrives', async () => {
    const budget = 8 * CHUNK;
    const s = store({ budgetBytes: budget, pollMinMs: 2, pollMaxMs: 10 });
    const payloads = Array.from({ length: 12 }, (_, i) => randomBytes(CHUNK + 100 * i));
    let maxSeen = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) { maxSeen = Math.max(maxSeen, (await s.usage()).bytes); await sleep(1); }
    })();
    const results = await Promise.all(payloads.map(async (bytes) => {
      const ref = await s.putBlob(bytes);
      const used = (await s.usage()).bytes;
      const back = await s.getBlob(ref);
      await sleep(5);
      await s.release(ref.id);
      return { same: Buffer.compare(back, bytes) === 0, used };
    }));
    watching = false;
    await watcher;
    expect(results.every((r) => r.same)).toBe(true);
    expect(Math.max(maxSeen, ...results.map((r) => r.used))).toBeLessThanOrEqual(budget);
    expect(await keysUnder(client, s.options.prefix)).toEqual([]);
  });
});

describe('failing chunk sources', () => {
  it.each([0, 1, 5])('a source failing at chunk %i returns the reserved bytes and leaves no keys', async (bad) => {
    const s = store({ budgetBytes: 100 * CHUNK });
    const failing = s.putChunks(8 * CHUNK, (i, length) => {
      if (i === bad) throw new Error('disk gone');
      return randomBytes(length);
    });
    await expect(failing).rejects.toThrow(/disk gone/);
    const short = s.putChunks(8 * CHUNK, (i, length) => randomBytes(i === bad ? length - 1 : length));
    expect((await expectError<TransportError>(short, 'Transport')).chunk).toBe(bad);
    expect(await s.usage()).toEqual({ bytes: 0, blobs: 0 });
    expect(await keysUnder(client, s.options.prefix)).toEqual([]);
  });
});

describe('options', () => {
  it('are validated with messages naming the field', () => {
    expect(() => store({ chunkSize: 10 })).toThrow(/chunkSize/);
    expect(() => store({ budgetBytes: 0 })).toThrow(/budgetBytes/);
    expect(() => store({ ttlSeconds: 0.5 })).toThrow(/ttlSeconds/);
    expect(() => store({ prefix: 'a b' })).toThrow(/prefix/);
    expect(() => store({ pollMinMs: 50, pollMaxMs: 10 })).toThrow(/pollMaxMs/);
  });

  it('per put too', async () => {
    const s = store();
    await expectError(s.putBlob(Buffer.alloc(1), { refs: 0 }), 'InvalidOption');
    await expectError(s.putBlob(Buffer.alloc(1), { ttlSeconds: -1 }), 'InvalidOption');
    await expectError(s.addRefs('x', 0), 'Transport');
  });
});
