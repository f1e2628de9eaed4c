/**
 * Streaming a safetensors file through the blob store chunk by chunk, and back to a file that
 * appears only once verified.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { createWorkerConnection } from '../../../workers/redis/index.js';
import { BlobStore, getBlobFile, putBlobFile } from '../../../workers/transport/index.js';
import { deleteKeys, keysUnder, stopTestRedis, testRedisUrl, uniquePrefix } from '../redis/redis-server.js';
import { expectedRoot } from './expected-root.js';

const CHUNK = 1024;
const prefix = uniquePrefix('blobfile');
let client: Redis;
let dir: string;
let store: BlobStore;

beforeAll(async () => {
  client = createWorkerConnection({ url: await testRedisUrl() });
  store = new BlobStore(client, { prefix, chunkSize: CHUNK, streamWindow: 2 });
  dir = mkdtempSync(join(tmpdir(), 'gridcast-blobfile-'));
});

afterAll(async () => {
  const left = await keysUnder(client, prefix);
  await deleteKeys(client, prefix);
  client.disconnect();
  await stopTestRedis();
  rmSync(dir, { recursive: true, force: true });
  expect(left).toEqual([]);
});

describe('file streaming', () => {
  it.each([0, 1, CHUNK, CHUNK * 9 + 123])('round-trips a %i-byte file', async (size) => {
    const src = join(dir, `in-${size}.safetensors`);
    const bytes = randomBytes(size);
    writeFileSync(src, bytes);
    const ref = await putBlobFile(store, src);
    expect(ref.sha256).toBe(expectedRoot(bytes, CHUNK));
    const dst = join(dir, `out-${size}.safetensors`);
    await getBlobFile(store, ref, dst);
    expect(Buffer.compare(readFileSync(dst), bytes)).toBe(0);
    // A file and memory round trip agree.
    expect(Buffer.compare(await store.getBlob(ref), bytes)).toBe(0);
    expect(await store.release(ref.id)).toBe(0);
  });

  it('a corrupted chunk leaves no output file and no temporary file', async () => {
    const src = join(dir, 'corrupt.safetensors');
    writeFileSync(src, randomBytes(CHUNK * 6));
    const ref = await putBlobFile(store, src);
    await client.set(`${prefix}:blob:${ref.id}:4`, randomBytes(CHUNK), 'KEEPTTL');
    const out = join(dir, 'sub');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    const dst = join(out, 'corrupt-out.safetensors');
    const err = await getBlobFile(store, ref, dst).then(() => undefined, (e: unknown) => e);
    expect(isGridcastError(err, 'Checksum')).toBe(true);
    expect((err as { chunk?: number }).chunk).toBe(4);
    expect(existsSync(dst)).toBe(false);
    expect(readdirSync(out)).toEqual([]);
    await store.release(ref.id);
  });

  it('a missing source file is an error before anything is reserved', async () => {
    await expect(putBlobFile(store, join(dir, 'absent.safetensors'))).rejects.toThrow(/ENOENT/);
    expect(await store.usage()).toEqual({ bytes: 0, blobs: 0 });
  });
});
