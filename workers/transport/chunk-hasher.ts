/**
 * Per-chunk SHA-256 digests for the blob store (the root over them is blob-digest.ts), computed
 * in the background while the caller keeps moving bytes, behind one small interface.
 *
 * - `batchingHasher` (default, codec addon present): chunks queue up while the previous batch is
 *   hashed on the libuv pool, and each batch is hashed several chunks at a time (multi-buffer
 *   SHA-NI, `sha256ManyAsync`), about twice the bytes per CPU second of one chunk at a time. The
 *   first chunk goes alone at once (nothing to wait for), later ones in the batches that piled up
 *   meanwhile, so hashing overlaps the transfer and the last batch is all that is left at the end.
 * - `threadedHasher` (`hashThreads > 0`): one chunk per message on worker threads.
 * - `mainThreadHasher`: node:crypto on the calling thread (no addon).
 * The digests are the same either way.
 */
import { createHash } from 'node:crypto';
import { nativeCodecsStatus, sha256ManyAsync } from '../../datasets/native/codecs.js';
import { hashPool } from './hash-pool.js';

/** Hashes chunks; the caller bounds how far hashing may lag by awaiting the digests. */
export interface ChunkHasher {
  /**
   * Queue the next chunk; resolves to its SHA-256 (32 bytes). The chunk must stay unchanged until
   * then (true of the store's chunks: slices of the caller's bytes, fresh file reads, Redis replies).
   */
  add(chunk: Buffer): Promise<Buffer>;
}

/** True when SHA-256 runs in the codec addon (off the main thread, multi-buffer). */
export function nativeHashing(): boolean {
  return nativeCodecsStatus().sha256.startsWith('native');
}

/** node:crypto on the calling thread. */
export function mainThreadHasher(): ChunkHasher {
  return { add: async (chunk) => createHash('sha256').update(chunk).digest() };
}

/** Most chunks one native call hashes (it keeps up to 4 lanes busy; a cap keeps results flowing). */
const MAX_BATCH = 8;

/**
 * Hash natively on the libuv pool, one batch at a time (one pool thread: the other core is
 * redis-server's and the I/O's on our 2-core machines), every chunk waiting meanwhile joining the
 * next batch. Without the addon it is `mainThreadHasher`.
 */
export function batchingHasher(lanes?: number): ChunkHasher {
  if (!nativeHashing()) return mainThreadHasher();
  interface Queued { chunk: Buffer; resolve: (d: Buffer) => void; reject: (e: unknown) => void }
  const queue: Queued[] = [];
  let running = false;
  const pump = (): void => {
    if (running || queue.length === 0) return;
    const batch = queue.splice(0, MAX_BATCH);
    running = true;
    sha256ManyAsync(batch.map((q) => q.chunk), lanes).then(
      (out) => batch.forEach((q, i) => q.resolve(out.subarray(32 * i, 32 * i + 32))),
      (e: unknown) => batch.forEach((q) => q.reject(e)),
    ).finally(() => {
      running = false;
      pump();
    });
  };
  return {
    add: (chunk) => new Promise<Buffer>((resolve, reject) => {
      queue.push({ chunk, resolve, reject });
      pump();
    }),
  };
}

/**
 * Hash on `threads` hash threads. Chunks not already in shared memory are copied into a ring of
 * `slots` chunk-sized slots (a memcpy is far cheaper than a hash), so memory stays bounded.
 */
export function threadedHasher(threads: number, chunkSize: number, slots: number): ChunkHasher {
  const pool = hashPool(threads);
  const busy: Promise<unknown>[] = [];
  let ring: Buffer | undefined;
  let n = 0;
  return {
    add: (chunk) => {
      if (chunk.buffer instanceof SharedArrayBuffer) return pool.digestBytes(chunk);
      const slot = n++ % slots;
      // Chunk n reuses the slot of chunk n - slots once that one is hashed.
      const d = Promise.resolve(busy[slot]).then(() => {
        ring ??= Buffer.from(new SharedArrayBuffer(slots * chunkSize));
        const view = ring.subarray(slot * chunkSize, slot * chunkSize + chunk.length);
        chunk.copy(view);
        return pool.digestBytes(view);
      });
      busy[slot] = d.catch(() => {});
      return d;
    },
  };
}
