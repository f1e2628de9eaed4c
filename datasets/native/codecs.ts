/**
 * Fast DEFLATE and SHA-256 through the codec addon, with node:zlib / node:crypto behind them.
 * Same formats either way: a zlib stream any inflater (GDAL, libtiff, node:zlib) reads, and
 * standard SHA-256 hex digests — identical values whichever path computed them.
 *
 * Why (measured on our 2-core benchmark machine):
 * - DEFLATE: GDAL's COG driver (Debian) compresses with libdeflate, 1.2× (smooth fields) to 3.3×
 *   (random floats) faster than zlib at level 6 on our predicted tiles, which is what kept
 *   `npm run bench:write` below GDAL. The addon runs libdeflate on the libuv pool (both cores).
 * - SHA-256: the transport (workers/transport) hashes every byte once on put and once on get, on
 *   2-core machines where redis-server and the main thread (socket copies, reply parsing) need
 *   the CPU too. With node:crypto on the main thread that held `npm run bench:transport` at
 *   40–55% of raw Redis. The addon hashes with the SHA extensions on the libuv pool, several
 *   independent messages interleaved (`sha256Many`, 1.8–1.9× the bytes per second of one stream,
 *   since one stream's rounds are a dependency chain that leaves SHA-NI idle; how many lanes is
 *   best depends on the CPU — 4 on the Xeon of our earlier machines, 2 on a Zen 3 EPYC — so the
 *   addon times 1..4 once and uses the fastest: `sha256Lanes()`).
 *   `sha256Hasher().updateAndDigest` (a chunk's digest and a running digest in one pass) served
 *   the former flat whole-blob checksum and stays for callers that need a running digest.
 *
 * ```ts
 * const z = fastDeflate(tile, 6) ?? deflateAsync(tile, { level: 6 }); // null: use node:zlib
 * const digests = await sha256ManyAsync([chunk0, chunk1, chunk2]); // 32 raw bytes each, in order
 * const whole = sha256Hasher();
 * const chunkHex = await whole.updateAndDigest(chunk); // chunk digest; whole updated too
 * const wholeHex = whole.digest();
 * console.log(nativeCodecsStatus()); // { deflate: 'native libdeflate (libdeflate.so.0)', sha256: 'native sha-ni' }
 * ```
 *
 * GRIDCAST_NATIVE_CODECS=0 forces the node:zlib / node:crypto paths; GRIDCAST_SHA256_IMPL=portable
 * forces the addon's portable SHA-256 (tests). Nothing is loaded before the first call, and a
 * missing addon or library costs one line on stderr at most.
 * Specifications: RFC 1950 (zlib), RFC 1951 (DEFLATE), FIPS 180-4 (SHA-256).
 */
import { createHash, type Hash } from 'node:crypto';
import { loadCodecsAddon, nativeCodecsDisabled, type CodecsAddon, type NativeSha256 } from './codecs-addon.js';
import { NativeCodecError } from './errors.js';

/**
 * Buffers below this are hashed on the calling thread: a hop to the libuv pool costs tens of µs,
 * about what hashing 64 KiB costs.
 */
export const ASYNC_HASH_MIN = 64 * 1024;

/** Which implementation serves each codec, in words (for logs, run summaries and benchmarks). */
export interface NativeCodecsStatus {
  /** 'native libdeflate (…)' or 'node:zlib (reason)'. */
  deflate: string;
  /** 'native sha-ni' / 'native portable' or 'node:crypto (reason)'. */
  sha256: string;
}

interface Resolved {
  deflate: CodecsAddon | null;
  sha: CodecsAddon | null;
  status: NativeCodecsStatus;
  path?: string;
}

let resolved: Resolved | undefined;

function codecs(): Resolved {
  if (resolved) return resolved;
  const { addon, reason, path } = loadCodecsAddon();
  if (!addon) {
    resolved = { deflate: null, sha: null, status: { deflate: `node:zlib (${reason})`, sha256: `node:crypto (${reason})` } };
    if (!nativeCodecsDisabled()) console.warn(`gridcast: native codecs unavailable (${reason}); using node:zlib and node:crypto`);
    return resolved;
  }
  const info = addon.info();
  // Without the SHA extensions node's OpenSSL (hand-written AVX2 assembly) beats our portable C,
  // so the addon's portable SHA-256 is only used when asked for.
  const useSha = info.sha256 === 'sha-ni' || (process.env.GRIDCAST_SHA256_IMPL ?? '') === 'portable';
  resolved = {
    deflate: info.deflate ? addon : null,
    sha: useSha ? addon : null,
    path,
    status: {
      deflate: info.deflate ? `native ${info.deflateStatus}` : `node:zlib (${info.deflateStatus})`,
      sha256: useSha ? `native ${info.sha256}` : 'node:crypto (no SHA extensions on this CPU)',
    },
  };
  if (!info.deflate) console.warn(`gridcast: libdeflate unavailable (${info.deflateStatus}); DEFLATE uses node:zlib`);
  return resolved;
}

/** Which implementation serves each codec (loads the addon on first call). */
export function nativeCodecsStatus(): NativeCodecsStatus {
  return { ...codecs().status };
}

/**
 * A zlib stream (RFC 1950, what TIFF DEFLATE stores) of `data` at `level` (1..9, zlib's scale;
 * libdeflate's 1..9 are close in ratio), compressed by libdeflate on the libuv pool — or `null`
 * when libdeflate is unavailable or the level is one it lacks: then use node:zlib. `data` must not
 * change until the promise settles. The bytes differ from zlib's; what they inflate to does not.
 */
export function fastDeflate(data: Uint8Array, level: number): Promise<Buffer> | null {
  const addon = codecs().deflate;
  if (!addon || !Number.isInteger(level) || level < 1 || level > 9) return null;
  return addon.zlibCompress(data, level).catch((e: unknown) => {
    throw new NativeCodecError('libdeflate compression failed', { cause: e });
  });
}

/** SHA-256 hex of `data`, on the calling thread. */
export function sha256Hex(data: Uint8Array): string {
  const addon = codecs().sha;
  return addon ? addon.sha256(data) : createHash('sha256').update(data).digest('hex');
}

/** SHA-256 hex of `data`; large buffers hashed off the main thread when native (`data` must not change meanwhile). */
export async function sha256HexAsync(data: Uint8Array): Promise<string> {
  const addon = codecs().sha;
  if (addon && data.byteLength >= ASYNC_HASH_MIN) return addon.sha256Async(data);
  return sha256Hex(data);
}

/**
 * How many messages `sha256Many` interleaves by default (the fastest width on this CPU, timed once
 * by the addon on first use); 1 without the addon.
 */
export function sha256Lanes(): number {
  const addon = codecs().sha;
  return addon ? addon.sha256Lanes() : 1;
}

/**
 * The SHA-256 of each message, as 32 raw bytes each concatenated in order (`out.subarray(32 * i,
 * 32 * i + 32)` is message i's). Natively several messages are hashed interleaved (multi-buffer,
 * `lanes` 1..4, default `sha256Lanes()`): one message's SHA-NI rounds are one long dependency
 * chain that leaves the unit mostly idle, independent messages fill it — 1.8-1.9× the bytes per
 * second of one stream, at the width that suits the CPU. With `dests` (one per message, as long
 * as it, or null) each message is also copied there in the same pass: the stores fit in the issue slots the rounds leave idle, so the
 * copy costs next to nothing (the transport's get copies its chunks into the result this way).
 * On the calling thread; see `sha256ManyAsync` for the libuv pool.
 */
export function sha256Many(messages: readonly Uint8Array[], lanes?: number, dests?: readonly (Uint8Array | null)[]): Buffer {
  const addon = codecs().sha;
  if (addon) return wrap(() => addon.sha256Many(messages as Uint8Array[], lanes, dests as (Uint8Array | null)[] | undefined));
  return nodeMany(messages, dests);
}

/**
 * `sha256Many` off the main thread when native and the messages total at least ASYNC_HASH_MIN
 * bytes (the messages must not change, nor the destinations be used, until it settles).
 */
export async function sha256ManyAsync(messages: readonly Uint8Array[], lanes?: number, dests?: readonly (Uint8Array | null)[]): Promise<Buffer> {
  const addon = codecs().sha;
  if (!addon) return nodeMany(messages, dests);
  let total = 0;
  for (const m of messages) total += m.byteLength;
  if (total < ASYNC_HASH_MIN) return sha256Many(messages, lanes, dests);
  return wrap(() => addon.sha256ManyAsync(messages as Uint8Array[], lanes, dests as (Uint8Array | null)[] | undefined));
}

function nodeMany(messages: readonly Uint8Array[], dests?: readonly (Uint8Array | null)[]): Buffer {
  if (dests && dests.length !== messages.length) throw new NativeCodecError('SHA-256: destinations must be one per message');
  const out = Buffer.allocUnsafe(32 * messages.length);
  messages.forEach((m, i) => {
    const d = dests?.[i];
    if (d) {
      if (d.byteLength !== m.byteLength) throw new NativeCodecError(`SHA-256: destination ${i} must be as long as its message`);
      d.set(m);
    }
    createHash('sha256').update(m).digest().copy(out, 32 * i);
  });
  return out;
}

/** A running SHA-256. Await each asynchronous call before the next one. */
export interface Sha256Hasher {
  /** True when the addon computes it. */
  readonly native: boolean;
  /** Add `data` on the calling thread. */
  update(data: Uint8Array): this;
  /** Add `data` (large ones off the main thread when native); `data` must not change until it settles. */
  updateAsync(data: Uint8Array): Promise<void>;
  /**
   * Add `data` and return the SHA-256 hex of `data` alone — a chunk's checksum and the blob's
   * running checksum from one read of the bytes.
   */
  updateAndDigest(data: Uint8Array): Promise<string>;
  /** Hex digest of everything added; the hasher is finished afterwards. */
  digest(): string;
}

/** A running SHA-256: native when available, node:crypto otherwise (same digests). */
export function sha256Hasher(): Sha256Hasher {
  const addon = codecs().sha;
  return addon ? new NativeHasher(new addon.Sha256()) : new NodeHasher();
}

/** Native errors (busy, finished) as NativeCodecError. */
function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new NativeCodecError(`SHA-256: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

class NativeHasher implements Sha256Hasher {
  readonly native = true;
  constructor(private readonly h: NativeSha256) {}

  update(data: Uint8Array): this {
    wrap(() => this.h.update(data));
    return this;
  }

  async updateAsync(data: Uint8Array): Promise<void> {
    if (data.byteLength < ASYNC_HASH_MIN) this.update(data);
    else await wrap(() => this.h.updateAsync(data));
  }

  async updateAndDigest(data: Uint8Array): Promise<string> {
    return data.byteLength < ASYNC_HASH_MIN ? wrap(() => this.h.updateAndDigest(data)) : wrap(() => this.h.updateAndDigestAsync(data));
  }

  digest(): string {
    return wrap(() => this.h.digest());
  }
}

class NodeHasher implements Sha256Hasher {
  readonly native = false;
  private readonly h: Hash = createHash('sha256');
  private done = false;

  update(data: Uint8Array): this {
    this.check();
    this.h.update(data);
    return this;
  }

  async updateAsync(data: Uint8Array): Promise<void> {
    this.update(data);
  }

  async updateAndDigest(data: Uint8Array): Promise<string> {
    this.update(data);
    return createHash('sha256').update(data).digest('hex');
  }

  digest(): string {
    this.check();
    this.done = true;
    return this.h.digest('hex');
  }

  private check(): void {
    if (this.done) throw new NativeCodecError('SHA-256: digest() was already called');
  }
}

/**
 * The addon's path when SHA-256 is native, for hash threads (workers/transport/hash-pool.ts) that
 * load it themselves; undefined otherwise.
 */
export function nativeSha256AddonPath(): string | undefined {
  const r = codecs();
  return r.sha ? r.path : undefined;
}
