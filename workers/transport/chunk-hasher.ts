/**
 * The two checksums of a blob — SHA-256 of each chunk and of the whole — computed either on the
 * main thread or on hash threads (see hash-pool.ts), behind one small interface.
 */
import { createHash } from 'node:crypto';
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

/** Hash on the calling thread. */
export function mainThreadHasher(): ChunkHasher {
  const whole = createHash('sha256');
  const chunkSha256: string[] = [];
  return {
    add: async (chunk) => {
      chunkSha256.push(createHash('sha256').update(chunk).digest('hex'));
      whole.update(chunk);
    },
    finish: async () => ({ chunkSha256, sha256: whole.digest('hex') }),
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
