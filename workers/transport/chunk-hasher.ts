/**
 * The two checksums of a blob — SHA-256 of each chunk and of the whole — computed either from the
 * calling thread or on hash threads (see hash-pool.ts), behind one small interface.
 *
 * With the codec addon (datasets/native/codecs.ts) the calling-thread hasher hands each chunk to
 * the libuv pool and gets both checksums from one SHA-NI pass over its bytes, so the main thread
 * parses Redis replies meanwhile: the four node:crypto passes per round trip on the main thread
 * held `npm run bench:transport` at 40–55% of raw Redis. Without the addon it is node:crypto on
 * the main thread, as before; the digests are the same either way.
 */
import { nativeCodecsStatus, sha256Hasher } from '../../datasets/native/codecs.js';
import { hashPool } from './hash-pool.js';

/** What a hasher yields once every chunk was added. */
export interface BlobDigests {
  /** SHA-256 hex of each chunk, in order. */
  chunkSha256: string[];
  /** SHA-256 hex of all chunks concatenated. */
  sha256: string;
}

/** Hashes chunks added in order. */
export interface ChunkHasher {
  /**
   * Add the next chunk. When the promise resolves the caller may reuse `chunk` — except a chunk
   * backed by a SharedArrayBuffer, which is hashed in place and must stay unchanged until `finish`.
   */
  add(chunk: Buffer): Promise<void>;
  /** Both digests, after every added chunk is hashed. */
  finish(): Promise<BlobDigests>;
}

/**
 * Hash from the calling thread: natively on the libuv pool (large chunks) when the codec addon
 * is available, else with node:crypto on this thread.
 */
export function mainThreadHasher(): ChunkHasher {
  const whole = sha256Hasher();
  const chunkSha256: string[] = [];
  return {
    add: async (chunk) => {
      chunkSha256.push(await whole.updateAndDigest(chunk));
    },
    finish: async () => ({ chunkSha256, sha256: whole.digest() }),
  };
}

/** True when SHA-256 runs in the codec addon (off the main thread for large chunks). */
export function nativeHashing(): boolean {
  return nativeCodecsStatus().sha256.startsWith('native');
}

/**
 * Hash natively on the libuv pool without waiting: `add` queues the chunk behind the previous
 * ones and resolves at once while fewer than `depth` chunks are waiting, so the main thread keeps
 * sending or receiving the next chunks while earlier ones are hashed (with 4 MiB chunks the
 * transport otherwise alternates between moving bytes and waiting for a hash). Memory stays
 * bounded by `depth` chunks. Unlike the other hashers, every chunk must stay unchanged until
 * `finish` resolves — true of blob-store's chunks (slices of the caller's bytes, fresh file
 * reads, Redis replies). Without the addon it is `mainThreadHasher`.
 */
export function pipelinedHasher(depth: number): ChunkHasher {
  if (!nativeHashing()) return mainThreadHasher();
  const whole = sha256Hasher();
  const digests: Promise<string>[] = [];
  let tail: Promise<unknown> = Promise.resolve();
  return {
    add: async (chunk) => {
      const d = tail.then(() => whole.updateAndDigest(chunk));
      d.catch(() => {}); // surfaced by finish
      digests.push(d);
      tail = d;
      if (digests.length > depth) await digests[digests.length - 1 - depth];
    },
    finish: async () => {
      const chunkSha256 = await Promise.all(digests);
      return { chunkSha256, sha256: whole.digest() };
    },
  };
}

/**
 * Hash on `threads` hash threads. Chunks not already in shared memory are copied into a ring of
 * `slots` chunk-sized slots (a memcpy is far cheaper than a hash), so memory stays bounded.
 */
export function threadedHasher(threads: number, chunkSize: number, slots: number): ChunkHasher {
  const pool = hashPool(threads);
  const whole = pool.stream();
  const digests: Promise<string>[] = [];
  const busy: Promise<unknown>[] = [];
  let ring: Buffer | undefined;
  let n = 0;
  return {
    add: async (chunk) => {
      let view = chunk;
      let slot = -1;
      if (!(chunk.buffer instanceof SharedArrayBuffer)) {
        ring ??= Buffer.from(new SharedArrayBuffer(slots * chunkSize));
        slot = n % slots;
        await busy[slot]; // the chunk hashed from this slot `slots` chunks ago is done
        view = ring.subarray(slot * chunkSize, slot * chunkSize + chunk.length);
        chunk.copy(view);
      }
      const d = pool.digest(view);
      const u = whole.update(view);
      d.catch(() => {});
      u.catch(() => {});
      digests.push(d);
      if (slot >= 0) busy[slot] = Promise.all([d, u]);
      n++;
    },
    finish: async () => {
      const chunkSha256 = await Promise.all(digests);
      await Promise.all(busy);
      return { chunkSha256, sha256: await whole.digest() };
    },
  };
}
