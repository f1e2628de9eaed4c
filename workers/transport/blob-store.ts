/**
 * Tensor blob store over Redis: binary blobs (safetensors bytes) in chunk keys, a manifest with
 * SHA-256 checksums (of fixed-size pieces, one or more per chunk, and a root over them:
 * blob-digest.ts), reference counts, a TTL safety net and a byte budget with backpressure.
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
import { BlobNotFoundError, ChecksumError, TransportError } from '../errors.js';
import { BLOB_FORMAT, blobRoot, checkChunk, pieceSizeFor } from './blob-digest.js';
import { assertBlobRef, type BlobRef } from './blob-ref.js';
import { reserveBudget } from './budget.js';
import { chunkSizeFor, MiB, resolveBlobStoreOptions, resolvePutOptions, type BlobStoreOptions, type PutBlobOptions, type ResolvedBlobStoreOptions } from './options.js';
import { BATCH, batchingHasher, mainThreadHasher, threadedHasher, type ChunkHasher } from './chunk-hasher.js';
import { chunkReaderFor, DirectReadError, type ChunkReader } from './chunk-reader.js';
import { setChunk } from './chunk-write.js';
import { blobKeys, SCRIPTS } from './scripts.js';

/**
 * What the manifest hash `<prefix>:blob:<id>` holds. Checksums as defined in blob-digest.ts; a
 * manifest of another format (v2: one digest per chunk; v1: flat SHA-256 of the whole blob) is
 * refused with a ChecksumError.
 */
export interface BlobManifest {
  /** `gridcast-blob-v3`. */
  format: string;
  size: number;
  chunks: number;
  /** Bytes per chunk (the last may be shorter); chosen per blob, see `minChunkSize`. */
  chunkSize: number;
  /** Bytes per piece (the last may be shorter); divides `chunkSize`. */
  pieceSize: number;
  /** The blob's root digest (hex): SHA-256 over the format, sizes and piece digests. */
  sha256: string;
  /** SHA-256 of each piece's bytes, hex (ceil(size / pieceSize) of them). */
  pieceSha256: string[];
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

/**
 * Produces chunk `index` of a blob being written — `length` bytes from byte `offset` (a slice of
 * memory, or bytes read from a file). The buffer must not change afterwards.
 */
export type ChunkSource = (index: number, length: number, offset: number) => Buffer | Promise<Buffer>;

const MAX_LENGTH = bufferConstants.MAX_LENGTH;
/** Largest chunk a manifest may declare (Redis' largest string; the store's `chunkSize` limit). */
const MAX_CHUNK = 512 * 1024 * 1024;
/** Chunk-sized staging slots for hashing on threads (bounded memory: 8 × chunkSize). */
const RING_SLOTS = 8;
/**
 * Chunks hashing may lag behind the I/O (bounded memory: HASH_DEPTH × chunkSize). Enough for the
 * batching hasher to hash several at a time.
 */
const HASH_DEPTH = 8;
/** Chunks requested together with the manifest by `getBlob`. */
const EARLY_CHUNKS = 8;
/**
 * Chunk GETs `getBlob` keeps in flight. 8 (32 MiB of 4 MiB chunks) rather than 16: in interleaved
 * A/B runs the get of 64 MB took 160-167 ms with 8 against 169-182 with 16, 256 MB 524-568
 * against 586-590 (more replies in flight only pile up in memory; the socket is busy either way).
 */
const GET_WINDOW = 8;
/** A blob of one chunk up to this size is hashed on the calling thread (put and get; see there). */
const SYNC_HASH_MAX = MiB;
/**
 * A one-chunk blob up to this size is read straight into its result (chunk-reader.ts), requested
 * with the manifest, so before the manifest confirmed the reference: this bounds what a forged
 * reference can make us allocate.
 */
const DIRECT_EARLY_MAX = 16 * MiB;

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
    return this.putChunks(buf.length, (_i, length, offset) => buf.subarray(offset, offset + length), options, Infinity);
  }

  /** The chunk size a blob of `size` bytes is stored with (see the `minChunkSize` option). */
  chunkSizeFor(size: number): number {
    return chunkSizeFor(this.options, size);
  }

  /**
   * Store a blob of `size` bytes whose chunks come from `source` (called in order, at most
   * `window` chunk writes and HASH_DEPTH chunk hashes in flight). The building block of `putBlob`
   * and the file helpers.
   */
  async putChunks(size: number, source: ChunkSource, options: PutBlobOptions = {}, window = this.options.streamWindow): Promise<BlobRef> {
    const put = resolvePutOptions(this.options, options);
    if (!Number.isSafeInteger(size) || size < 0) throw new TransportError(`blob size must be a non-negative integer, got ${size}`);
    if (put.signal?.aborted) throw put.signal.reason;
    const chunkSize = this.chunkSizeFor(size);
    const chunks = Math.ceil(size / chunkSize);
    const id = randomBytes(12).toString('base64url');
    // A blob of one small chunk is hashed right here (see getBlob; its pieces interleaved): a
    // pool round trip would only add a thread wake-up to a hash that the short write could not
    // hide anyway.
    const pieceSize = pieceSizeFor(chunkSize);
    const small = chunks === 1 && size <= SYNC_HASH_MAX;
    const hasher = small ? mainThreadHasher(pieceSize) : this.hasher(chunkSize, pieceSize);
    const digests: Promise<Buffer>[] = [];
    const chunksRead: Buffer[] = [];
    // Chunks are read and handed to the hasher up to BATCH ahead of the writes: the hasher
    // hashes BATCH at a time (multi-buffer), so the batch of chunks i..i+3 is hashed on the
    // libuv pool while this thread hands them to the socket.
    const readAhead = async (upTo: number): Promise<void> => {
      while (digests.length < Math.min(chunks, upTo)) {
        const i = digests.length;
        const offset = i * chunkSize;
        const length = Math.min(chunkSize, size - offset);
        const chunk = await source(i, length, offset);
        if (chunk.length !== length) {
          throw new TransportError(`chunk source gave ${chunk.length} bytes`, { blobId: id, chunk: i, expected: `${length} bytes` });
        }
        digests.push(quiet(hasher.add(chunk)));
        chunksRead[i] = chunk;
        if (digests.length === chunks) hasher.flush();
      }
    };
    const reserving = reserveBudget(this.client, this.options, {
      id, size, chunks, ttlMs: put.ttlSeconds * 1000, timeoutMs: put.timeoutMs, signal: put.signal,
    });
    // A small single chunk is hashed on this thread while the reservation's round trip is out
    // (1 MB put: 1.75 against 1.86 ms, medians of 301 interleaved runs). Larger blobs hash on
    // the pool once the budget is reserved, not during that round trip: on our loaded 2-core
    // machine a hash thread running then delayed the Lua script's reply by as long as the hash
    // took (1 MB put: reserve 0.70 ms instead of 0.15).
    const early = small ? quiet(readAhead(1)) : undefined; // awaited once reserved
    const expiresAt = await reserving;
    try {
      await early;
      await readAhead(BATCH);
      const inFlight: Promise<unknown>[] = [];
      if (chunks === 0) hasher.flush();
      for (let i = 0; i < chunks; i++) {
        await readAhead(i + BATCH);
        const chunk = chunksRead[i];
        delete chunksRead[i];
        inFlight.push(quiet(setChunk(this.client, this.keys.chunk(id, i), chunk, expiresAt)));
        if (i === chunks - 1) break;
        // Back to the event loop: libuv hands the queued bytes to the socket while chunks are
        // hashed (without this, every chunk is queued before the first byte leaves).
        await yieldToIo();
        if (inFlight.length >= window) await inFlight.shift();
        if (i >= HASH_DEPTH) await digests[i - HASH_DEPTH];
      }
      const pieceDigests = await Promise.all(digests); // per chunk, 32 bytes per piece
      const root = blobRoot(size, chunkSize, pieceSize, pieceDigests);
      const manifest: Record<string, string> = {
        format: BLOB_FORMAT, size: String(size), chunks: String(chunks), chunkSize: String(chunkSize), pieceSize: String(pieceSize),
        sha256: root, pieceSha256: pieceDigests.map((d) => d.toString('hex')).join(''), refs: String(put.refs),
        createdAt: new Date().toISOString(),
      };
      // Sent behind the chunk writes without waiting for their replies (one round trip saved):
      // nobody knows the id before we return, so nobody can see a half-written blob.
      const key = this.keys.manifest(id);
      // Two plain commands, not MULTI/EXEC (a third of the client-side cost here): if only the
      // HSET landed, the reservation's expiry still reclaims the manifest (scripts.ts `reclaim`).
      const written = quiet(Promise.all([this.client.hset(key, manifest), this.client.pexpireat(key, expiresAt)]));
      await Promise.all(inFlight);
      await written;
      return { id, size, sha256: root, chunks };
    } catch (e) {
      await this.deleteBlob(id).catch(() => {});
      throw e;
    }
  }

  /**
   * Fetch a blob, verifying the manifest's piece digests against the reference's root and every
   * chunk against its pieces' digests (blob-digest.ts) before returning.
   * @throws InvalidBlobRefError when `ref` is not a blob reference
   * @throws BlobNotFoundError when the blob or a chunk is gone (expired, released, never stored)
   * @throws ChecksumError naming the blob and chunk when bytes do not match their checksums
   */
  async getBlob(ref: BlobRef): Promise<Buffer> {
    assertBlobRef(ref);
    if (ref.size > MAX_LENGTH) throw new TransportError(`blob of ${ref.size} bytes is larger than a Buffer can be`, { blobId: ref.id });
    const checked = this.checkedManifest(ref);
    const threads = this.options.hashThreads > 0;
    // Chunks are read straight into the result on the chunk reader's connection when there is
    // one (chunk-reader.ts: no parser copy; 16 × 1 MiB in 17 ms against 39 through the client),
    // else through the client. Hash threads need the result in shared memory: client path.
    const reader = this.directReader();
    if (reader?.usable) return this.getDirect(ref, checked, reader);
    // The manifest and the first chunks are requested together (one round trip saved); the rest
    // only once the manifest confirmed the reference, so a forged reference cannot make us send
    // millions of requests or allocate its claimed size.
    const get = (i: number) => this.client.getBuffer(this.keys.chunk(ref.id, i));
    const early = Array.from({ length: Math.min(ref.chunks, EARLY_CHUNKS) }, (_, i) => quiet(get(i)));
    const m = await checked;
    // The rest keep a window of GET_WINDOW requests in flight: enough to keep the connection
    // busy, few enough that replies are hashed and dropped as they come instead of piling up.
    const reply = inOrder(m.chunks, GET_WINDOW, get, early);
    const chunk = async (i: number) => checkedReply(ref.id, m, i, await reply(i));
    const hasher = this.hasher(m.chunkSize, m.pieceSize);
    if (m.chunks === 1 && !threads) return this.verifiedSingle(ref.id, m, await chunk(0), hasher);
    // Shared memory lets the hash threads read the chunks in place.
    const out = threads ? Buffer.from(new SharedArrayBuffer(m.size)) : Buffer.allocUnsafe(m.size);
    await this.verifyChunks(ref.id, m, hasher, chunk, (i, data) => {
      const view = out.subarray(i * m.chunkSize, i * m.chunkSize + data.length);
      if (!threads) {
        // The hasher copies the chunk into `out` in the same pass as it hashes it, on the libuv
        // pool: copying on this thread (which also parses the replies) into a fresh `out`
        // (page faults) cost 20-35% of the get time (64 MB: 205 against 163 ms without the copy).
        // `out` is complete once every digest is in, and only returned then.
        return hasher.add(data, view);
      }
      data.copy(view);
      return hasher.add(view); // threads read `out` in place
    });
    return out;
  }

  /** `getBlob` with the chunks read into the result by `reader` (see there). */
  private async getDirect(ref: BlobRef, checked: Promise<BlobManifest>, reader: ChunkReader): Promise<Buffer> {
    // A blob of one chunk is requested together with the manifest (one round trip saved), when
    // small enough to allocate before the manifest confirmed the reference; others after it.
    const early = ref.chunks === 1 && ref.size <= DIRECT_EARLY_MAX ? Buffer.allocUnsafe(ref.size) : undefined;
    const first = early && quiet(reader.read(this.keys.chunk(ref.id, 0), early));
    const m = await checked;
    const out = early ?? Buffer.allocUnsafe(m.size);
    const view = (i: number) => out.subarray(i * m.chunkSize, Math.min((i + 1) * m.chunkSize, m.size));
    const chunk = inOrder(m.chunks, GET_WINDOW, (i) => this.chunkInto(ref.id, m, i, view(i),
      i === 0 && first ? first : reader.read(this.keys.chunk(ref.id, i), view(i))));
    const hasher = this.hasher(m.chunkSize, m.pieceSize);
    if (m.chunks === 1) return this.verifiedSingle(ref.id, m, await chunk(0), hasher);
    await this.verifyChunks(ref.id, m, hasher, chunk, (_i, data) => hasher.add(data)); // hashed where it lies
    return out;
  }

  /**
   * A blob of one chunk, verified. Nothing is left to overlap the hash with, so a small one is
   * hashed right here (its pieces interleaved): a hop to the libuv pool adds a thread wake-up,
   * which on our loaded 2-core machine often cost more than the hash.
   */
  private async verifiedSingle(blobId: string, m: BlobManifest, data: Buffer, hasher: ChunkHasher): Promise<Buffer> {
    const small = data.length <= SYNC_HASH_MAX;
    if (!small) hasher.flush();
    checkChunk(blobId, 0, await (small ? mainThreadHasher(m.pieceSize) : hasher).add(data), chunkDigestsHex(m)(0));
    return data;
  }

  /**
   * Checks every chunk of `m` against the manifest: `chunk(i)` delivers it, `hash(i, data)` hands
   * it to `hasher` (flushed after the last). Hashing may lag HASH_DEPTH chunks behind; the first
   * bad chunk is the one reported.
   */
  private async verifyChunks(blobId: string, m: BlobManifest, hasher: ChunkHasher, chunk: (i: number) => Promise<Buffer>,
    hash: (i: number, data: Buffer) => Promise<Buffer>): Promise<void> {
    const expected = chunkDigestsHex(m);
    const verified: Promise<void>[] = [];
    for (let i = 0; i < m.chunks; i++) {
      const digest = hash(i, await chunk(i));
      if (i === m.chunks - 1) hasher.flush();
      verified.push(quiet(digest.then((d) => checkChunk(blobId, i, d, expected(i)))));
      if (i >= HASH_DEPTH) await verified[i - HASH_DEPTH];
    }
    for (const v of verified) await v; // in order
  }

  /** The chunk reader of the client when reads go that way (`directReads`, no hash threads), else null. */
  private directReader(): ChunkReader | null {
    return this.options.directReads && this.options.hashThreads === 0 ? chunkReaderFor(this.client) : null;
  }

  /**
   * Chunk i of `m` in `dest` (as long as the chunk), read there by the chunk reader (`read`), or
   * through the client when the reader's connection failed; checked for presence and length like
   * any reply.
   */
  private async chunkInto(blobId: string, m: BlobManifest, i: number, dest: Buffer, read: Promise<number | null>): Promise<Buffer> {
    let n: number | null;
    try {
      n = await read;
    } catch (e) {
      if (!(e instanceof DirectReadError)) throw e;
      const data = checkedReply(blobId, m, i, await this.client.getBuffer(this.keys.chunk(blobId, i)));
      data.copy(dest);
      return dest;
    }
    if (n === null) return checkedReply(blobId, m, i, null);
    if (n !== dest.length) throw new ChecksumError(`chunk has ${n} bytes`, { blobId, chunk: i, expected: `${dest.length} bytes` });
    return dest;
  }

  /**
   * The verified chunks of a blob in order, with at most `window` chunk reads in flight (default:
   * the store's `streamWindow`). The manifest's piece digests are checked against the reference's
   * root before the first read and each chunk against its pieces' digests before it is yielded, so every
   * chunk yielded is verified; a consumer that writes chunks to a temporary file must still only
   * rename it after the loop ends normally (a later chunk may be missing or corrupt).
   */
  async *readChunks(ref: BlobRef, window = this.options.streamWindow): AsyncGenerator<Buffer> {
    assertBlobRef(ref);
    const m = await this.checkedManifest(ref);
    const hasher = this.hasher(m.chunkSize, m.pieceSize);
    const expected = chunkDigestsHex(m);
    hasher.flush(); // each chunk hashed as it comes: the consumer waits for it
    const reader = this.directReader();
    // Into a fresh buffer per chunk (the consumer keeps it) by the chunk reader, else the client.
    const chunk = inOrder(m.chunks, window, (i) => {
      const key = this.keys.chunk(ref.id, i);
      const dest = reader?.usable ? Buffer.allocUnsafe(Math.min(m.chunkSize, m.size - i * m.chunkSize)) : undefined;
      return dest ? this.chunkInto(ref.id, m, i, dest, reader!.read(key, dest)) : this.client.getBuffer(key).then((d) => checkedReply(ref.id, m, i, d));
    });
    const hashed: Promise<Buffer>[] = [];
    let out = 0;
    // Chunk i is hashed while chunk i - 1 is with the consumer.
    const verified = async (): Promise<Buffer> => {
      const data = await hashed.shift()!;
      out++;
      return data;
    };
    for (let i = 0; i < m.chunks; i++) {
      const data = await chunk(i);
      hashed.push(quiet(hasher.add(data).then((d) => { checkChunk(ref.id, i, d, expected(i)); return data; }))); // awaited in order by verified()
      if (hashed.length > 1) yield await verified();
    }
    while (out < m.chunks) yield await verified();
  }

  /**
   * The manifest of `ref`, checked against it: its piece digests must hash to the reference's
   * root (blob-digest.ts). BlobNotFoundError when there is none.
   */
  private async checkedManifest(ref: BlobRef): Promise<BlobManifest> {
    const m = await this.manifest(ref.id);
    if (!m) throw new BlobNotFoundError('not in Redis (never stored, expired or released)', { blobId: ref.id });
    if (m.size !== ref.size || m.sha256 !== ref.sha256 || m.chunks !== ref.chunks) {
      throw new ChecksumError(`manifest (size ${m.size}, ${m.chunks} chunks, sha256 ${m.sha256}) does not match the reference`, {
        blobId: ref.id, expected: `size ${ref.size}, ${ref.chunks} chunks, sha256 ${ref.sha256}`,
      });
    }
    const root = blobRoot(m.size, m.chunkSize, m.pieceSize, Buffer.from(m.pieceSha256.join(''), 'hex'));
    if (root !== ref.sha256) {
      throw new ChecksumError(`SHA-256 mismatch: the manifest's piece digests hash to ${root}, not to the reference's root`, {
        blobId: ref.id, expected: ref.sha256,
      });
    }
    return m;
  }

  /**
   * Chunks handed to the hasher are never changed afterwards (slices of the caller's bytes, fresh
   * file reads, Redis replies), so hashing may run behind the I/O by a few chunks.
   */
  private hasher(chunkSize: number, pieceSize: number): ChunkHasher {
    const { hashThreads } = this.options;
    return hashThreads > 0 ? threadedHasher(hashThreads, chunkSize, pieceSize, RING_SLOTS) : batchingHasher(pieceSize);
  }

  /** The manifest of blob `id`, or undefined when it is not (or no longer) stored. */
  async manifest(id: string): Promise<BlobManifest | undefined> {
    const h = await this.client.hgetall(this.keys.manifest(id));
    if (!h || Object.keys(h).length === 0) return undefined;
    if (h.format !== BLOB_FORMAT) {
      // Blobs are transient, so there is nothing to migrate; a v2 blob (one digest per chunk) or a
      // v1 blob (flat whole-blob SHA-256, no `format` field) left by an older producer is refused
      // rather than misread.
      throw new ChecksumError(`manifest format ${h.format ?? 'v1 (flat whole-blob SHA-256)'} is not supported; re-publish the blob`, {
        blobId: id, expected: BLOB_FORMAT,
      });
    }
    const m: BlobManifest = {
      format: h.format, size: Number(h.size), chunks: Number(h.chunks), chunkSize: Number(h.chunkSize), pieceSize: Number(h.pieceSize),
      sha256: h.sha256 ?? '', pieceSha256: [], refs: Number(h.refs), createdAt: h.createdAt ?? '',
    };
    const hex = h.pieceSha256 ?? '';
    const ok = Number.isSafeInteger(m.size) && m.size >= 0 && Number.isSafeInteger(m.chunks) && Number.isSafeInteger(m.chunkSize) &&
      m.chunkSize >= 1024 && m.chunkSize <= MAX_CHUNK && Math.ceil(m.size / m.chunkSize) === m.chunks &&
      Number.isSafeInteger(m.pieceSize) && m.pieceSize >= 1024 && m.chunkSize % m.pieceSize === 0 &&
      hex.length === 64 * Math.ceil(m.size / m.pieceSize) && /^[0-9a-f]*$/.test(hex);
    if (!ok) {
      throw new ChecksumError('manifest is malformed', {
        blobId: id, expected: 'size, chunks, chunkSize (1 KiB to 512 MiB), pieceSize (≥ 1 KiB, dividing chunkSize) and one SHA-256 per piece',
      });
    }
    m.pieceSha256 = hex.match(/[0-9a-f]{64}/g) ?? [];
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


/** `p`, marked handled: it is awaited later, and stopping early must not make it an unhandled rejection. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/**
 * Chunk i's request, awaited in order: requests are made in order (`made` are those already made)
 * and kept `ahead` ahead of the one awaited, and each is dropped once handed out so its reply can
 * be collected.
 */
function inOrder<T>(count: number, ahead: number, request: (i: number) => Promise<T>, made: Promise<T>[] = []): (i: number) => Promise<T> {
  return (i) => {
    while (made.length < Math.min(count, i + ahead)) made.push(quiet(request(made.length)));
    const p = made[i];
    delete made[i];
    return p;
  };
}

/** Chunk i's reply, when it is there and as long as the manifest says; else the named error. */
function checkedReply(blobId: string, m: BlobManifest, i: number, data: Buffer | null): Buffer {
  if (data === null) throw new BlobNotFoundError('chunk missing (expired or released while reading)', { blobId, chunk: i });
  const length = Math.min(m.chunkSize, m.size - i * m.chunkSize);
  if (data.length !== length) throw new ChecksumError(`chunk has ${data.length} bytes`, { blobId, chunk: i, expected: `${length} bytes` });
  return data;
}

/** The piece digests (hex, concatenated) that chunk i of a checked manifest must hash to. */
function chunkDigestsHex(m: BlobManifest): (i: number) => string {
  const per = m.chunkSize / m.pieceSize;
  return (i) => m.pieceSha256.slice(i * per, (i + 1) * per).join('');
}
