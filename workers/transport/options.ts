/**
 * Options of the tensor blob store, with their defaults merged and validated in one place.
 */
import { InvalidOptionError } from '../../datasets/errors.js';

/** One mebibyte. */
export const MiB = 1024 * 1024;

/** Options of {@link BlobStore}. Every field is optional; the default is in its comment. */
export interface BlobStoreOptions {
  /** Key prefix of the deployment; blobs live under `<prefix>:blob:<id>`. Default `process.env.GRIDCAST_PREFIX ?? 'gridcast'`. */
  prefix?: string;
  /**
   * Bytes per chunk key (the largest chunk). Default 4 MiB. Between 1 KiB and 512 MiB (Redis'
   * largest string). Blobs smaller than 16 chunks are cut finer, see `minChunkSize`.
   */
  chunkSize?: number;
  /**
   * Smallest chunk a blob of under 16 × `chunkSize` bytes is cut into: such a blob gets chunks of
   * about size / 16 (a multiple of 64 KiB), at least this and at most `chunkSize`, so chunks are
   * hashed (four at a time) while later ones are still on the wire instead of all at the end.
   * Default 1 MiB: with 4 MiB chunks a 16 MB blob goes as 16 × 1 MiB (bench:transport, quiet
   * machine, five interleaved pairs: 539-576 MB/s put+get against 480-528 as 8 × 2 MiB, ~73-76%
   * of raw as 4 × 4 MiB); a 1 MB blob stays one chunk, because cut into 256 or 512 KiB chunks the
   * per-command and per-batch costs outweighed the overlap (35-36% of raw against 42% in the same
   * run). The manifest records the chunk size used, so readers need not know this setting. Set
   * it to `chunkSize` to always use `chunkSize`.
   */
  minChunkSize?: number;
  /** Lifetime of a blob that nobody releases (safety net), in seconds. Default 86 400 (one day). */
  ttlSeconds?: number;
  /**
   * Most bytes of blob data held in Redis under the prefix, by all producers together. A put that
   * would exceed it waits for space. Default 1 GiB; `Infinity` disables backpressure.
   */
  budgetBytes?: number;
  /** How long a put waits for budget before a `BudgetTimeoutError`, in ms. Default 300 000 (5 min). */
  budgetTimeoutMs?: number;
  /** First wait between budget checks, in ms; doubles up to `pollMaxMs`. Default 25. */
  pollMinMs?: number;
  /** Longest wait between budget checks, in ms. Default 1000. */
  pollMaxMs?: number;
  /** Chunks in flight at once when streaming a file in or out. Default 4. */
  streamWindow?: number;
  /**
   * Worker threads computing the chunk digests of `putBlob`/`getBlob` while the main thread keeps
   * moving bytes; 0 uses the default hasher (codec addon on the libuv pool, four chunks at a time;
   * node:crypto on the main thread without the addon). Default 0: on our CPU-saturated 2-core benchmark
   * machine threads were slower (messaging, contention — `npm run bench:transport -- --hash-threads 2`);
   * on a host with idle cores, 2 spreads the chunk digests over two threads (one chunk per
   * message, so without the default hasher's multi-buffer batching).
   */
  hashThreads?: number;
  /**
   * Read chunk values on a second connection of the store's own, straight from the socket into
   * the result (workers/transport/chunk-reader.ts), instead of through the ioredis client, whose
   * parser copies every value once more: a 1 MiB chunk in 0.81 against 1.19 ms, 16 × 1 MiB in 17
   * against 39 ms on our 2-core machine. Used for plain TCP and unix-socket connections (with
   * password and db); TLS, Sentinel, Cluster and key-prefixed clients always read through the
   * client, as does a store with `hashThreads`. A failed connection falls back to the client for
   * the reads concerned and the next second. Default true.
   */
  directReads?: boolean;
}

/** Options of one put. */
export interface PutBlobOptions {
  /** Lifetime in seconds. Default: the store's `ttlSeconds`. */
  ttlSeconds?: number;
  /** Pending jobs that will read the blob; each calls `release` once. Default 1. */
  refs?: number;
  /** How long to wait for budget, in ms. Default: the store's `budgetTimeoutMs`. */
  timeoutMs?: number;
  /** Abort the wait for budget (and the put). */
  signal?: AbortSignal;
}

/** Options after defaults. */
export type ResolvedBlobStoreOptions = Required<BlobStoreOptions>;

/** Merge defaults and validate; messages name the field. */
export function resolveBlobStoreOptions(options: BlobStoreOptions = {}): ResolvedBlobStoreOptions {
  const r: ResolvedBlobStoreOptions = {
    prefix: options.prefix ?? process.env.GRIDCAST_PREFIX ?? 'gridcast',
    chunkSize: options.chunkSize ?? 4 * MiB,
    minChunkSize: options.minChunkSize ?? MiB,
    ttlSeconds: options.ttlSeconds ?? 86_400,
    budgetBytes: options.budgetBytes ?? 1024 * MiB,
    budgetTimeoutMs: options.budgetTimeoutMs ?? 300_000,
    pollMinMs: options.pollMinMs ?? 25,
    pollMaxMs: options.pollMaxMs ?? 1000,
    streamWindow: options.streamWindow ?? 4,
    hashThreads: options.hashThreads ?? 0,
    directReads: options.directReads ?? true,
  };
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(r.prefix)) {
    throw new InvalidOptionError(`prefix must be 1-200 characters of A-Z a-z 0-9 _ . : -, got '${r.prefix}'`);
  }
  if (!Number.isInteger(r.chunkSize) || r.chunkSize < 1024 || r.chunkSize > 512 * MiB) {
    throw new InvalidOptionError(`chunkSize must be an integer from 1024 to ${512 * MiB} bytes, got ${r.chunkSize}`);
  }
  if (!Number.isInteger(r.minChunkSize) || r.minChunkSize < 1024 || r.minChunkSize > 512 * MiB) {
    throw new InvalidOptionError(`minChunkSize must be an integer from 1024 to ${512 * MiB} bytes, got ${r.minChunkSize}`);
  }
  checkTtl(r.ttlSeconds, 'ttlSeconds');
  if (!(r.budgetBytes === Infinity || (Number.isSafeInteger(r.budgetBytes) && r.budgetBytes > 0))) {
    throw new InvalidOptionError(`budgetBytes must be a positive integer or Infinity, got ${r.budgetBytes}`);
  }
  checkTimeout(r.budgetTimeoutMs, 'budgetTimeoutMs');
  for (const f of ['pollMinMs', 'pollMaxMs'] as const) {
    if (!Number.isFinite(r[f]) || r[f] <= 0) throw new InvalidOptionError(`${f} must be a positive number, got ${r[f]}`);
  }
  if (r.pollMaxMs < r.pollMinMs) throw new InvalidOptionError(`pollMaxMs must be at least pollMinMs (${r.pollMinMs}), got ${r.pollMaxMs}`);
  if (!Number.isInteger(r.streamWindow) || r.streamWindow < 1) {
    throw new InvalidOptionError(`streamWindow must be a positive integer, got ${r.streamWindow}`);
  }
  if (!Number.isInteger(r.hashThreads) || r.hashThreads < 0 || r.hashThreads > 16) {
    throw new InvalidOptionError(`hashThreads must be an integer from 0 to 16, got ${r.hashThreads}`);
  }
  if (typeof r.directReads !== 'boolean') throw new InvalidOptionError(`directReads must be true or false, got ${String(r.directReads)}`);
  return r;
}

/** Chunks a blob is cut into at least, when they can be `minChunkSize` or larger. */
const MIN_CHUNKS = 16;
const CHUNK_ALIGN = 64 * 1024;

/** The chunk size of a blob of `size` bytes (see `minChunkSize`). */
export function chunkSizeFor(options: Pick<ResolvedBlobStoreOptions, 'chunkSize' | 'minChunkSize'>, size: number): number {
  const { chunkSize, minChunkSize } = options;
  const even = Math.ceil(size / MIN_CHUNKS / CHUNK_ALIGN) * CHUNK_ALIGN;
  return Math.min(chunkSize, Math.max(minChunkSize, even));
}

/** Validate per-put options against the store's defaults. */
export function resolvePutOptions(store: ResolvedBlobStoreOptions, options: PutBlobOptions = {}): Required<Omit<PutBlobOptions, 'signal'>> & { signal?: AbortSignal } {
  const r = {
    ttlSeconds: options.ttlSeconds ?? store.ttlSeconds,
    refs: options.refs ?? 1,
    timeoutMs: options.timeoutMs ?? store.budgetTimeoutMs,
    signal: options.signal,
  };
  checkTtl(r.ttlSeconds, 'ttlSeconds');
  if (!Number.isInteger(r.refs) || r.refs < 1) throw new InvalidOptionError(`refs must be a positive integer, got ${r.refs}`);
  checkTimeout(r.timeoutMs, 'timeoutMs');
  return r;
}

function checkTtl(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`${field} must be a positive integer number of seconds, got ${v}`);
}

function checkTimeout(v: number, field: string): void {
  if (!(Number.isFinite(v) || v === Infinity) || v < 0) throw new InvalidOptionError(`${field} must be a non-negative number of ms, got ${v}`);
}
