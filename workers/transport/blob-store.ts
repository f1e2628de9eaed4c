/**
 * Tensor blob store over Redis: binary blobs (safetensors bytes) in chunk keys, a manifest with
 * SHA-256 checksums, reference counts, a TTL safety net and a byte budget with backpressure.
 *
 * ```ts
 * const store = new BlobStore(createWorkerConnection(), { prefix: 'gridcast' });
 * const ref = await store.putBlob(bytes, { refs: 2 });   // waits while the budget is full
 * await queue.add('train', { shard: ref });               // job data carries only the reference
 * // in the consumer:
 * const bytes = await store.getBlob(job.data.shard);      // checksums verified before returning
 * await store.release(job.data.shard.id, job.id);         // deleted when no job references it
 * ```
 *
 * Why chunks: BullMQ would serialise a Buffer in job data as a JSON array of numbers, and one huge
 * string key blocks Redis while it is copied; 4 MiB keys keep both Redis and the socket responsive,
 * and many chunk commands in flight keep the connection busy (pipelining).
 * On a worker connection every command waits through a Redis outage and is resent after the
 * reconnect; the scripts are written so a resent reserve or (tokened) release counts once.
 */
import { constants as bufferConstants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { sha256Hasher } from '../../datasets/native/codecs.js';
import { BlobNotFoundError, ChecksumError, TransportError } from '../errors.js';
import { assertBlobRef, type BlobRef } from './blob-ref.js';
import { reserveBudget } from './budget.js';
import { resolveBlobStoreOptions, resolvePutOptions, type BlobStoreOptions, type PutBlobOptions, type ResolvedBlobStoreOptions } from './options.js';
import { pipelinedHasher, threadedHasher, type ChunkHasher } from './chunk-hasher.js';
import { blobKeys, SCRIPTS } from './scripts.js';

/** What the manifest hash `<prefix>:blob:<id>` holds. */
export interface BlobManifest {
  size: number;
  chunks: number;
  chunkSize: number;
  /** Whole-blob SHA-256, hex. */
  sha256: string;
  /** SHA-256 of each chunk, hex. */
  chunkSha256: string[];
  /** Pending jobs still referencing the blob. */
  refs: number;
  /** When the blob was stored (ISO-8601). */
  createdAt: string;
}

/** Bytes held under the prefix, as the budget sees them. */
export interface BlobUsage {
  /** Bytes reserved by stored and in-progress blobs. */
  bytes: number;
  /** Blobs stored or in progress. */
  blobs: number;
}

/** Produces chunk `i` of a blob being written (a slice of memory, or bytes read from a file). */
export type ChunkSource = (index: number, length: number) => Buffer | Promise<Buffer>;

const MAX_LENGTH = bufferConstants.MAX_LENGTH;
/** Chunk-sized staging slots for hashing on threads (bounded memory: 8 × chunkSize). */
const RING_SLOTS = 8;
/** Chunks the native hasher may lag behind the I/O (bounded memory: HASH_DEPTH × chunkSize). */
const HASH_DEPTH = 4;
/** Chunks requested together with the manifest by `getBlob`. */
const EARLY_CHUNKS = 8;
/** Chunk GETs `getBlob` keeps in flight. */
const GET_WINDOW = 16;

/** Stores and fetches checksummed, reference-counted binary blobs in Redis. */
export class BlobStore {
  /** Options after defaults. */
  readonly options: ResolvedBlobStoreOptions;
  private readonly keys: ReturnType<typeof blobKeys>;

  /**
   * @param client an ioredis connection; use a worker connection (`maxRetriesPerRequest: null`)
   *   so a dropped Redis is waited out. The store never closes it.
   */
  constructor(readonly client: Redis, options: BlobStoreOptions = {}) {
    this.options = resolveBlobStoreOptions(options);
    this.keys = blobKeys(this.options.prefix);
  }

  /** Store `bytes`; returns the small JSON reference for job data. Waits while the budget is full. */
  async putBlob(bytes: Uint8Array, options: PutBlobOptions = {}): Promise<BlobRef> {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.putChunks(buf.length, (i, length) => {
      const start = i * this.options.chunkSize;
      return buf.subarray(start, start + length);
    }, options, Infinity);
  }

  /**
   * Store a blob of `size` bytes whose chunks come from `source` (called in order, at most
   * `window` chunks in flight). The building block of `putBlob` and the file helpers.
   */
  async putChunks(size: number, source: ChunkSource, options: PutBlobOptions = {}, window = this.options.streamWindow): Promise<BlobRef> {
    const put = resolvePutOptions(this.options, options);
    if (!Number.isSafeInteger(size) || size < 0) throw new TransportError(`blob size must be a non-negative integer, got ${size}`);
    const { chunkSize } = this.options;
    const chunks = Math.ceil(size / chunkSize);
    const id = randomBytes(12).toString('base64url');
    const expiresAt = await reserveBudget(this.client, this.options, {
      id, size, chunks, ttlMs: put.ttlSeconds * 1000, timeoutMs: put.timeoutMs, signal: put.signal,
    });
    try {
      const hasher = this.hasher(Math.min(chunks, RING_SLOTS));
      const inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < chunks; i++) {
        const length = Math.min(chunkSize, size - i * chunkSize);
        const chunk = await source(i, length);
        if (chunk.length !== length) {
          throw new TransportError(`chunk source gave ${chunk.length} bytes`, { blobId: id, chunk: i, expected: `${length} bytes` });
        }
        // Send first, hash after: Redis takes chunk i in while it is hashed.
        const sent = this.client.set(this.keys.chunk(id, i), chunk, 'PXAT', expiresAt);
        sent.catch(() => {}); // awaited below; no unhandled rejection if we stop early
        inFlight.push(sent);
        await hasher.add(chunk);
        // Back to the event loop: libuv hands the queued bytes to the socket while we hash the
        // next chunk (without this, every chunk is hashed before the first byte leaves).
        await yieldToIo();
        if (inFlight.length >= window) await inFlight.shift();
      }
      const { chunkSha256: chunkSha, sha256: digest } = await hasher.finish();
      const manifest: Record<string, string> = {
        size: String(size), chunks: String(chunks), chunkSize: String(chunkSize), sha256: digest,
        chunkSha256: chunkSha.join(''), refs: String(put.refs), createdAt: new Date().toISOString(),
      };
      // Sent behind the chunk writes without waiting for their replies (one round trip saved):
      // nobody knows the id before we return, so nobody can see a half-written blob.
      const key = this.keys.manifest(id);
      const written = this.client.multi().hset(key, manifest).pexpireat(key, expiresAt).exec();
      written.catch(() => {});
      await Promise.all(inFlight);
      await written;
      return { id, size, sha256: digest, chunks };
    } catch (e) {
      await this.deleteBlob(id).catch(() => {});
      throw e;
    }
  }

  /**
   * Fetch a blob, verifying every chunk's SHA-256 and the whole blob's before returning.
   * @throws InvalidBlobRefError when `ref` is not a blob reference
   * @throws BlobNotFoundError when the blob or a chunk is gone (expired, released, never stored)
   * @throws ChecksumError naming the blob and chunk when bytes do not match their checksums
   */
  async getBlob(ref: BlobRef): Promise<Buffer> {
    assertBlobRef(ref);
    if (ref.size > MAX_LENGTH) throw new TransportError(`blob of ${ref.size} bytes is larger than a Buffer can be`, { blobId: ref.id });
    // The manifest and the first chunks are requested together (one round trip saved); the rest
    // only once the manifest confirmed the reference, so a forged reference cannot make us send
    // millions of requests or allocate its claimed size.
    const get = (i: number) => {
      const p = this.client.getBuffer(this.keys.chunk(ref.id, i));
      p.catch(() => {}); // awaited in order below; no unhandled rejection if we stop early
      return p;
    };
    const checked = this.checkedManifest(ref);
    const replies = Array.from({ length: Math.min(ref.chunks, EARLY_CHUNKS) }, (_, i) => get(i));
    const m = await checked;
    // The rest keep a window of GET_WINDOW requests in flight: enough to keep the connection
    // busy, few enough that replies are hashed and dropped as they come instead of piling up.
    const fill = (upTo: number) => { while (replies.length < Math.min(m.chunks, upTo)) replies.push(get(replies.length)); };
    fill(GET_WINDOW);
    // Shared memory lets the hash threads read the chunks in place.
    const out = this.options.hashThreads > 0 ? Buffer.from(new SharedArrayBuffer(m.size)) : Buffer.allocUnsafe(m.size);
    const hasher = this.hasher(RING_SLOTS);
    for (let i = 0; i < m.chunks; i++) {
      fill(i + GET_WINDOW);
      const data = await replies[i];
      delete replies[i]; // let the reply be collected once copied
      if (data === null) throw new BlobNotFoundError('chunk missing (expired or released while reading)', { blobId: ref.id, chunk: i });
      const start = i * m.chunkSize;
      const length = Math.min(m.chunkSize, m.size - start);
      if (data.length !== length) {
        throw new ChecksumError(`chunk has ${data.length} bytes`, { blobId: ref.id, chunk: i, expected: `${length} bytes` });
      }
      if (this.options.hashThreads > 0) {
        data.copy(out, start);
        await hasher.add(out.subarray(start, start + length)); // threads read `out` in place
      } else {
        // Both only read `data` (kept unchanged until `finish`): the copy overlaps the hash.
        const queued = hasher.add(data);
        data.copy(out, start);
        await queued;
      }
      await yieldToIo(); // read the socket between hashes, so Redis keeps sending
    }
    const digests = await hasher.finish();
    digests.chunkSha256.forEach((d, i) => checkChunk(ref.id, i, d, m.chunkSha256[i]));
    checkWhole(ref, digests.sha256);
    return out;
  }

  /**
   * The verified chunks of a blob in order, with at most `window` chunk reads in flight (default:
   * the store's `streamWindow`). The whole-blob checksum is checked before the last chunk is
   * yielded, so a consumer that writes chunks to a temporary file must only rename it after the
   * loop ends normally.
   */
  async *readChunks(ref: BlobRef, window = this.options.streamWindow): AsyncGenerator<Buffer> {
    assertBlobRef(ref);
    const m = await this.checkedManifest(ref);
    // Each chunk's checksum and the running whole one from one pass (natively off the main
    // thread when the codec addon is available; see chunk-hasher.ts).
    const whole = sha256Hasher();
    const pending: Promise<Buffer | null>[] = [];
    let next = 0;
    const request = () => {
      const p = this.client.getBuffer(this.keys.chunk(ref.id, next++));
      p.catch(() => {}); // awaited below in order; avoid unhandled rejections if we stop early
      pending.push(p);
    };
    for (let i = 0; i < m.chunks; i++) {
      while (next < m.chunks && pending.length < window) request();
      const data = await pending.shift()!;
      if (data === null) throw new BlobNotFoundError('chunk missing (expired or released while reading)', { blobId: ref.id, chunk: i });
      const length = Math.min(m.chunkSize, m.size - i * m.chunkSize);
      if (data.length !== length) {
        throw new ChecksumError(`chunk has ${data.length} bytes`, { blobId: ref.id, chunk: i, expected: `${length} bytes` });
      }
      checkChunk(ref.id, i, await whole.updateAndDigest(data), m.chunkSha256[i]);
      if (i === m.chunks - 1) checkWhole(ref, whole.digest());
      yield data;
    }
    if (m.chunks === 0) checkWhole(ref, whole.digest());
  }

  /** The manifest of `ref`, checked against it; BlobNotFoundError when there is none. */
  private async checkedManifest(ref: BlobRef): Promise<BlobManifest> {
    const m = await this.manifest(ref.id);
    if (!m) throw new BlobNotFoundError('not in Redis (never stored, expired or released)', { blobId: ref.id });
    if (m.size !== ref.size || m.sha256 !== ref.sha256 || m.chunks !== ref.chunks) {
      throw new ChecksumError(`manifest (size ${m.size}, ${m.chunks} chunks, sha256 ${m.sha256}) does not match the reference`, {
        blobId: ref.id, expected: `size ${ref.size}, ${ref.chunks} chunks, sha256 ${ref.sha256}`,
      });
    }
    return m;
  }

  /**
   * Chunks handed to the hasher are never changed afterwards (slices of the caller's bytes, fresh
   * file reads, Redis replies), so the native hasher may run behind the I/O by a few chunks.
   */
  private hasher(slots: number): ChunkHasher {
    const { hashThreads, chunkSize } = this.options;
    return hashThreads > 0 ? threadedHasher(hashThreads, chunkSize, Math.max(1, slots)) : pipelinedHasher(HASH_DEPTH);
  }

  /** The manifest of blob `id`, or undefined when it is not (or no longer) stored. */
  async manifest(id: string): Promise<BlobManifest | undefined> {
    const h = await this.client.hgetall(this.keys.manifest(id));
    if (!h || Object.keys(h).length === 0) return undefined;
    const m: BlobManifest = {
      size: Number(h.size), chunks: Number(h.chunks), chunkSize: Number(h.chunkSize), sha256: h.sha256 ?? '',
      chunkSha256: (h.chunkSha256 ?? '').match(/.{64}/g) ?? [], refs: Number(h.refs), createdAt: h.createdAt ?? '',
    };
    const ok = Number.isSafeInteger(m.size) && Number.isSafeInteger(m.chunks) && Number.isSafeInteger(m.chunkSize) &&
      m.chunkSize > 0 && m.chunkSha256.length === m.chunks && Math.ceil(m.size / m.chunkSize) === m.chunks;
    if (!ok) throw new ChecksumError('manifest is malformed', { blobId: id, expected: 'size, chunks, chunkSize and one SHA-256 per chunk' });
    return m;
  }

  /** Add `n` references (more jobs will read the blob). Returns the new count. */
  async addRefs(id: string, n = 1): Promise<number> {
    if (!Number.isInteger(n) || n < 1) throw new TransportError(`addRefs n must be a positive integer, got ${n}`, { blobId: id });
    const left = Number(await SCRIPTS.addRefs.run(this.client, [this.keys.manifest(id)], [n]));
    if (left < 0) throw new BlobNotFoundError('cannot add references: not in Redis', { blobId: id });
    return left;
  }

  /**
   * Drop one reference; when none is left, delete the blob and return its bytes to the budget,
   * atomically. Returns the references left (0 = deleted), or `null` when the blob was already
   * gone (expired or deleted). With a `token` (the consuming job's id) a holder releases at most
   * once, however often the call is repeated (retries, commands resent after a reconnect).
   */
  async release(id: string, token = ''): Promise<number | null> {
    return this.runRelease(id, false, token);
  }

  /** Delete a blob now, whatever its references. Returns false when it was not there. */
  async deleteBlob(id: string): Promise<boolean> {
    return (await this.runRelease(id, true)) !== null;
  }

  /** Bytes and blobs held under the prefix (expired blobs are reclaimed first). */
  async usage(): Promise<BlobUsage> {
    // A release of a blob that does not exist only reclaims expired blobs.
    await SCRIPTS.release.run(this.client, this.bookkeeping('-'), [this.options.prefix, '-', '1', '']);
    const [bytes, blobs] = await Promise.all([this.client.get(this.keys.usage), this.client.zcard(this.keys.expiry)]);
    return { bytes: Number(bytes ?? 0), blobs };
  }

  private async runRelease(id: string, force: boolean, token = ''): Promise<number | null> {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new TransportError(`not a blob id: '${id}'`);
    const args = [this.options.prefix, id, force ? '1' : '0', token];
    const left = Number(await SCRIPTS.release.run(this.client, this.bookkeeping(id), args));
    return left < 0 ? null : left;
  }

  private bookkeeping(id: string): string[] {
    return [this.keys.usage, this.keys.expiry, this.keys.sizes, this.keys.manifest(id)];
  }
}

function checkChunk(id: string, i: number, got: string, expected: string | undefined): void {
  if (got !== expected) throw new ChecksumError(`SHA-256 mismatch: got ${got}`, { blobId: id, chunk: i, expected });
}

function checkWhole(ref: BlobRef, digest: string): void {
  if (digest !== ref.sha256) throw new ChecksumError(`whole-blob SHA-256 mismatch: got ${digest}`, { blobId: ref.id, expected: ref.sha256 });
}
