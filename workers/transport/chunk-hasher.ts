/**
 * The piece digests of each chunk for the blob store (pieces and the root over them:
 * blob-digest.ts), computed in the background while the caller keeps moving bytes, behind one
 * small interface.
 *
 * - `batchingHasher` (default, codec addon present): the pieces of four chunks at a time are hashed
 *   on the libuv pool, several interleaved (multi-buffer SHA-NI, `sha256ManyAsync` at the width
 *   the addon found fastest on this CPU), 1.4-1.9× the bytes per CPU second of one stream, while
 *   the next chunks are on the wire; on get
 *   it also copies each chunk into the result in the same pass (`copyTo`).
 * - `threadedHasher` (`hashThreads > 0`): one piece per message on worker threads.
 * - `mainThreadHasher`: on the calling thread (without the addon: node:crypto; the store also uses
 *   it for a blob of one small chunk).
 * The digests are the same either way.
 */
import { nativeCodecsStatus, sha256Many, sha256ManyAsync } from '../../datasets/native/codecs.js';
import { piecesOf } from './blob-digest.js';
import { hashPool } from './hash-pool.js';

/** Hashes chunks; the caller bounds how far hashing may lag by awaiting the digests. */
export interface ChunkHasher {
  /**
   * Queue the next chunk; resolves to the SHA-256 of each of its pieces (32 bytes per piece, in
   * order; one piece when the chunk is no longer than the hasher's piece size). The chunk must stay unchanged until
   * then (true of the store's chunks: slices of the caller's bytes, fresh file reads, Redis replies).
   * With `copyTo` (as long as the chunk) the chunk is also copied there by the time it resolves —
   * by the native hasher in the same pass over the bytes, off the calling thread.
   */
  add(chunk: Buffer, copyTo?: Buffer): Promise<Buffer>;
  /**
   * No more chunks are coming: hash what is queued now (a hasher may hold chunks back to batch
   * them), and every chunk added later at once.
   */
  flush(): void;
}

/** True when SHA-256 runs in the codec addon (off the main thread, multi-buffer). */
export function nativeHashing(): boolean {
  return nativeCodecsStatus().sha256.startsWith('native');
}

/**
 * On the calling thread: `sha256Many` (the pieces interleaved with the codec addon, node:crypto
 * without it).
 */
export function mainThreadHasher(pieceSize: number): ChunkHasher {
  return {
    add: async (chunk, copyTo) => {
      copyTo?.set(chunk);
      return sha256Many(piecesOf(chunk, pieceSize));
    },
    flush: () => {},
  };
}

/**
 * Chunks per batch (one native call); their pieces are interleaved at the addon's width
 * (`sha256Lanes()`, 1-4).
 */
export const BATCH = 4;

/**
 * Hash natively on the libuv pool in batches of BATCH chunks (multi-buffer SHA-NI: 1.4-1.9× the
 * bytes per CPU second of one chunk at a time, and CPU is what the 2-core machine
 * lacks — redis-server and the socket copies need it too). Chunks wait until BATCH of them are
 * queued, so a batch hashes while the next chunks are written or received; one batch at a time
 * while chunks still come (the other core is redis-server's). `flush` (after the last chunk)
 * hashes the rest at once, split over two pool threads when there are two chunks or more: the
 * transfer is over by then, so both cores are ours. Without the addon it is `mainThreadHasher`.
 */
export function batchingHasher(pieceSize: number): ChunkHasher {
  if (!nativeHashing()) return mainThreadHasher(pieceSize);
  interface Queued { chunk: Buffer; copyTo?: Buffer; resolve: (d: Buffer) => void; reject: (e: unknown) => void }
  const queue: Queued[] = [];
  let running = 0;
  let flushed = false;
  const hash = (batch: Queued[]): void => {
    running++;
    const pieces = batch.map((q) => piecesOf(q.chunk, pieceSize));
    const dests = batch.some((q) => q.copyTo) ? batch.flatMap((q, i) => q.copyTo ? piecesOf(q.copyTo, pieceSize) : pieces[i].map(() => null)) : undefined;
    sha256ManyAsync(pieces.flat(), undefined, dests).then(
      (out) => {
        let at = 0;
        batch.forEach((q, i) => { q.resolve(out.subarray(at, at + 32 * pieces[i].length)); at += 32 * pieces[i].length; });
      },
      (e: unknown) => batch.forEach((q) => q.reject(e)),
    ).finally(() => {
      running--;
      pump();
    });
  };
  const pump = (): void => {
    if (flushed) {
      if (queue.length === 0) return;
      const rest = queue.splice(0);
      if (rest.length === 1) return hash(rest); // its pieces interleaved
      // The tail, on two threads (each interleaving its half).
      const half = Math.ceil(rest.length / 2);
      hash(rest.slice(0, half));
      hash(rest.slice(half));
      return;
    }
    while (running === 0 && queue.length >= BATCH) hash(queue.splice(0, BATCH));
  };
  return {
    add: (chunk, copyTo) => new Promise<Buffer>((resolve, reject) => {
      queue.push({ chunk, copyTo, resolve, reject });
      pump();
    }),
    flush: () => {
      flushed = true;
      pump();
    },
  };
}

/**
 * Hash on `threads` hash threads, one piece per message. Chunks not already in shared memory are
 * copied into a ring of `slots` chunk-sized slots (a memcpy is far cheaper than a hash), so memory
 * stays bounded.
 */
export function threadedHasher(threads: number, chunkSize: number, pieceSize: number, slots: number): ChunkHasher {
  const digestPieces = async (view: Buffer): Promise<Buffer> =>
    Buffer.concat(await Promise.all(piecesOf(view, pieceSize).map((p) => pool.digestBytes(p))));
  const pool = hashPool(threads);
  const busy: Promise<unknown>[] = [];
  let ring: Buffer | undefined;
  let n = 0;
  return {
    add: (chunk, copyTo) => {
      copyTo?.set(chunk);
      if (chunk.buffer instanceof SharedArrayBuffer) return digestPieces(chunk);
      const slot = n++ % slots;
      // Chunk n reuses the slot of chunk n - slots once that one is hashed.
      const d = Promise.resolve(busy[slot]).then(() => {
        ring ??= Buffer.from(new SharedArrayBuffer(slots * chunkSize));
        const view = ring.subarray(slot * chunkSize, slot * chunkSize + chunk.length);
        chunk.copy(view);
        return digestPieces(view);
      });
      busy[slot] = d.catch(() => {});
      return d;
    },
    flush: () => {},
  };
}
